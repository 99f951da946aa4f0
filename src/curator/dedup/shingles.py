"""Word n-gram shingles of a document, bit-identical to datatrove's MinhashDedupSignature.get_shingles.

datatrove normalises the whole text (`simplify_text`), runs the language's word tokenizer over it and
hashes every " "-joined n-gram with xxhash64. Normalising and tokenizing dominate its cost (spaCy
alone is ~60%). Both are local to whitespace-separated chunks for spaCy's rule-based tokenizer, so
here each distinct chunk is normalised and tokenized once and cached: the same tokens come out at a
small fraction of the cost. Tokenizers that segment across spaces (jieba, sudachi, pythainlp, ...)
get the whole text, as in datatrove.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, chain

import numpy as np
import xxhash
from datatrove.utils.text import DEF_TEXT_NORM_CONFIG, TextNormConfig, simplify_text
from datatrove.utils.word_tokenizers import (
    SpaCyTokenizer,
    WhitespaceTokenizer,
    WordTokenizer,
    load_word_tokenizer,
)

_EMPTY = np.empty(0, dtype=np.uint64)
_CHUNK_CACHES: dict[tuple, dict[str, tuple[str, ...]]] = {}  # tokens of each whitespace chunk


def chunk_local_spacy(tokenizer: WordTokenizer):
    """The spaCy pipeline behind `tokenizer` if tokenizing a text equals tokenizing each
    whitespace-separated chunk on its own, else None.

    spaCy's rule-based `Tokenizer` splits on whitespace first and applies its prefix/suffix/infix
    rules within each chunk; languages with their own segmenter (zh, ja, ko, vi, th) use another class.
    """
    if isinstance(tokenizer, WhitespaceTokenizer):
        tokenizer = tokenizer._spacy_xx  # datatrove's fallback: spaCy's multi-language tokenizer
    if type(tokenizer) is not SpaCyTokenizer:
        return None
    from spacy.tokenizer import Tokenizer

    nlp = tokenizer.tokenizer
    return nlp if type(nlp.tokenizer) is Tokenizer else None


class Shingler:
    """Hashes of a text's word n-grams (uint64), as datatrove computes them, with a chunk cache.

    `tokenizer`: a datatrove tokenizer key (tokenizer_assignment.csv, e.g. "deu_Latn") or a WordTokenizer.
    """

    def __init__(
        self,
        tokenizer: str | WordTokenizer,
        n_grams: int = 5,
        norm_config: TextNormConfig = DEF_TEXT_NORM_CONFIG,
        max_cached_chunks: int = 200_000,
    ):
        self.tokenizer = load_word_tokenizer(tokenizer)
        self.n_grams = n_grams
        self.norm_config = norm_config
        self.max_cached_chunks = max_cached_chunks
        # chunk-wise needs whitespace-normalising text normalisation, as datatrove's default
        self._nlp = chunk_local_spacy(self.tokenizer) if norm_config.norm_whitespace else None
        # per process, so the tasks a worker runs one after another share what earlier ones learned
        cache_key = (type(self.tokenizer).__name__, getattr(self.tokenizer, "language", None), repr(norm_config))
        self._chunks = _CHUNK_CACHES.setdefault(cache_key, {})

    def _fill(self, chunks: list[str]) -> None:
        """Tokenize chunks not yet cached, all in one tokenizer call (token offsets map tokens to chunks)."""
        simplified = [simplify_text(c, self.norm_config) for c in chunks]
        joined = " ".join(simplified)
        starts = list(accumulate((len(s) + 1 for s in simplified[:-1]), initial=0))
        per_chunk: list[list[str]] = [[] for _ in chunks]
        nlp = self._nlp
        with nlp.memory_zone():
            nlp.max_length = len(joined) + 10
            for token in nlp.tokenizer(joined):
                text = token.text.strip()
                if text:
                    per_chunk[bisect_right(starts, token.idx) - 1].append(text)
        self._chunks.update(zip(chunks, map(tuple, per_chunk), strict=True))

    def tokens(self, text: str) -> list[str]:
        """The normalised word tokens of `text`."""
        if self._nlp is None:
            return self.tokenizer.word_tokenize(simplify_text(text, self.norm_config))
        chunks = text.split()
        cache = self._chunks
        missing = set(chunks).difference(cache)  # iterates the chunks, not the cache
        if missing:
            if len(cache) + len(missing) > self.max_cached_chunks:
                cache.clear()  # bounded memory; a fresh cache refills with the frequent chunks
                missing = set(chunks)
            self._fill(sorted(missing))
        return list(chain.from_iterable(map(cache.__getitem__, chunks)))

    def hashes(self, text: str) -> np.ndarray:
        """xxhash64 of every " "-joined word n-gram (may repeat; empty if fewer than n words)."""
        tokens = self.tokens(text)
        n = self.n_grams
        count = len(tokens) - n + 1
        if count <= 0:
            return _EMPTY
        shifted = [tokens[i:] for i in range(n)]  # zip(*shifted) yields the n-grams, at C speed
        ngrams = zip(*shifted, strict=False)  # noqa: B905 - shorter rows end the n-grams
        return np.fromiter(map(xxhash.xxh64_intdigest, map(" ".join, ngrams)), dtype=np.uint64, count=count)
