"""One tokenizer resolver: its fallback order on real labels, and the same object for every stage."""

from datatrove.utils.word_tokenizers import WhitespaceTokenizer, load_word_tokenizer

from curator.stages.dedup.minhash import MinhashScheme
from curator.stages.dedup.signer import DedupSignatures
from curator.stages.filters.fused import FusedHeuristicFilter
from curator.text.chunks import chunk_tokens
from curator.text.profiles import load_profile
from curator.text.tokenizers import (
    MULTILINGUAL_KEY,
    candidates,
    profile_tokenizer,
    resolve,
    word_tokenizer,
)


def test_the_label_itself_comes_first():
    choice = resolve("deu_Latn")
    assert (choice.key, choice.fallback_reason) == ("deu_Latn", None)
    assert resolve("deu_Latn").tokenizer is load_word_tokenizer("deu_Latn")
    # the words come from the same spaCy language over the chunk cache's pipeline (loaded once)
    words = word_tokenizer("deu_Latn")
    assert words.language == "de" and words is word_tokenizer("deu_Latn")
    assert word_tokenizer("kor_Hang") is load_word_tokenizer("kor_Hang")  # no chunk cache: datatrove's own


def test_then_the_umbrella_script_then_the_iso_code():
    assert candidates("cmn_Hans") == ["cmn_Hans", "cmn_Hani", "cmn"]
    assert resolve("cmn_Hans").key == "cmn_Hani"  # datatrove names Chinese by Hani: jieba
    assert resolve("kor_Kore").key == "kor_Hang"  # and Korean by Hangul: Kiwi
    assert resolve("jav_Java").key == "jav"  # Javanese script is unknown to datatrove: its Latin tokenizer
    assert word_tokenizer("cmn_Hant") is word_tokenizer("cmn_Hani")


def test_a_tokenizer_that_downloads_its_model_is_skipped():
    """Odia in Latin letters is assigned Stanza, which downloads its model: the ISO code's IndicNLP."""
    choice = resolve("ory_Latn")
    assert choice.key == "ory" and choice.description == "IndicNLPTokenizer(or)"
    assert resolve("bod_Tibt").fallback_reason == "TibetanTokenizer downloads its model on first use"


def test_last_the_multilingual_tokenizer_one_object():
    choice = resolve("qaa_Latn")  # reserved for local use: nothing assigned, not even to qaa
    assert choice.key == MULTILINGUAL_KEY and choice.description == "SpaCyTokenizer(xx)"
    assert choice.fallback_reason == "datatrove assigns no tokenizer to this language"
    assert type(word_tokenizer("qaa_Latn")) is WhitespaceTokenizer
    assert word_tokenizer("qaa_Latn") is word_tokenizer("zzz_Latn")
    # a profile naming the fallback's key gets spaCy "xx" too, so both share one chunk cache
    assert chunk_tokens(word_tokenizer("qaa_Latn")) is chunk_tokens(word_tokenizer(MULTILINGUAL_KEY))


def test_calibrate_writes_the_resolved_key():
    assert profile_tokenizer("deu_Latn").key == "deu_Latn"
    assert profile_tokenizer("cmn_Hans").key == "cmn_Hani"
    assert profile_tokenizer("bod_Tibt").key == MULTILINGUAL_KEY


def test_filters_and_dedup_get_the_same_tokenizer_and_chunk_cache(tmp_path):
    fused = FusedHeuristicFilter()
    signer = DedupSignatures(str(tmp_path), MinhashScheme())
    for label in [
        "eng_Latn",
        "deu_Latn",
        "rus_Cyrl",
        "cmn_Hani",
        "jpn_Jpan",
        "kat_Geor",
        "cmn_Hans",
        "qaa_Latn",
    ]:
        splitter = fused.rules_for(label).splitter
        shingler = signer.shingler(label)
        assert splitter.tokenizer is shingler.tokenizer is word_tokenizer(load_profile(label).tokenizer_key)
        assert splitter.chunks is shingler.pieces  # one chunk cache (None for whole-text segmenters)
    assert signer.shingler("eng_Latn").pieces is not None and signer.shingler("cmn_Hani").pieces is None
