"""The cached chunk-wise shingler gives exactly datatrove's shingles, in every tokenizer family."""

import numpy as np
import pytest
from datatrove.pipeline.dedup.minhash import MinhashDedupSignature
from datatrove.utils.text import DEF_TEXT_NORM_CONFIG, simplify_text

from curator.stages.dedup.shingles import Shingler, simplify_chunks
from curator.text import chunks as chunks_module
from curator.text.chunks import chunk_tokens
from tests.conftest import shared_data

# spaCy rule-based (Latin, Cyrillic, Greek, Arabic script), spaCy's multi-language fallback (kat),
# and tokenizers that segment across spaces (Japanese spaCy+sudachi, Thai pythainlp, Indic)
LANGUAGES = {
    "eng": "eng_Latn",
    "deu": "deu_Latn",
    "rus": "rus_Cyrl",
    "ell": "ell_Grek",
    "fas": "fas_Arab",
    "kat": "kat_Geor",
    "jpn": "jpn_Jpan",
    "tha": "tha_Thai",
    "hin": "hin_Deva",
}


@pytest.mark.parametrize("iso3", sorted(LANGUAGES))
def test_shingles_equal_datatrove(iso3, tmp_path):
    key = LANGUAGES[iso3]
    lines = shared_data(f"lid-dev/{iso3}.txt").read_text(encoding="utf-8").splitlines()[:150]
    reference = MinhashDedupSignature(str(tmp_path), language=key)
    shingler = Shingler(key)
    for text in ["\n".join(lines[i : i + 15]) for i in range(0, len(lines), 15)]:
        expected = reference.get_shingles(text).ravel()
        assert len(expected) > 0
        np.testing.assert_array_equal(shingler.hashes(text), expected)
        np.testing.assert_array_equal(shingler.hashes(text), expected)  # again, from the chunk cache


def test_chunk_cache_only_for_whitespace_local_tokenizers():
    assert chunk_tokens(Shingler("eng_Latn").tokenizer) is not None
    assert chunk_tokens(Shingler("jpn_Jpan").tokenizer) is None
    assert chunk_tokens(Shingler("tha_Thai").tokenizer) is None


def test_bounded_cache_still_exact(articles, tmp_path, monkeypatch):
    monkeypatch.setattr(chunks_module, "MAX_CACHED", 50)
    shingler = Shingler("eng_Latn")
    shingler._chunks.clear()  # the caches are per process: start from what this test fills
    shingler.pieces.cache.clear()
    reference = MinhashDedupSignature(str(tmp_path), language="eng_Latn")
    for text in articles[:5]:
        np.testing.assert_array_equal(shingler.hashes(text), reference.get_shingles(text).ravel())
        assert len(shingler._chunks) <= max(50, len(set(text.split())))


def test_fewer_words_than_ngrams_gives_no_shingles():
    assert len(Shingler("eng_Latn").hashes("only four words here")) == 0


def test_simplify_chunks_equals_simplify_text_per_chunk():
    """One simplify_text call over all chunks gives each chunk's pieces, across scripts, and where
    a rule could reach across chunks: Greek final sigma, digits, week days, combining marks."""
    texts = [shared_data(f"lid-dev/{iso3}.txt").read_text(encoding="utf-8") for iso3 in sorted(LANGUAGES)]
    edge_cases = ["ΟΔΟΣ", "Σ", "ΣΑ", "12,5", "3.", ".4", "Monday", "mon", "day", "\u0301", "e\u0301"]
    chunks = sorted({c for text in texts for c in text.split()}) + edge_cases
    assert len(chunks) > 10_000
    expected = [simplify_text(c, DEF_TEXT_NORM_CONFIG).split() for c in chunks]
    assert [s.split() for s in simplify_chunks(chunks, DEF_TEXT_NORM_CONFIG)] == expected
    # a chunk holding the separator itself: every chunk is simplified on its own
    chunks = ["a\ue000b", *edge_cases]
    assert simplify_chunks(chunks, DEF_TEXT_NORM_CONFIG) == [
        simplify_text(c, DEF_TEXT_NORM_CONFIG) for c in chunks
    ]
