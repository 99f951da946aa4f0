"""Word splitting: the chunk-cached words are datatrove's words, in every kind of tokenizer."""

from datatrove.utils.word_tokenizers import SpaCyTokenizer

from curator.text import chunks as chunks_module
from curator.text.chunks import PipelineWords
from curator.text.tokenizers import resolve, word_tokenizer
from curator.text.words import WordSplitter
from scripts.devtools.filter_samples import sentence_docs
from tests.conftest import shared_data


def test_words_equal_datatrove_tokenizer_in_many_languages(sentence_documents, pages):
    docs = sentence_documents[::5] + pages[:100]
    splitters = {}
    for doc in docs:
        key = doc.metadata["language"]
        splitter = splitters.setdefault(key, WordSplitter(key))
        stock = resolve(key).tokenizer  # datatrove's own object (a spaCy pipeline of its own)
        assert splitter.words(doc.text) == stock.word_tokenize(doc.text), doc.id
    cached = {key for key, s in splitters.items() if s.caches_chunks}
    assert {"eng_Latn", "deu_Latn", "rus_Cyrl", "spa_Latn"} <= cached  # the cache is really used
    assert "cmn_Hani" not in cached and "tha_Thai" not in cached  # whole-text segmenters are not


def test_spacy_languages_load_once_and_split_as_datatrove_on_every_lid_dev_language():
    """The words of a spaCy language come from one pipeline (the chunk cache's, lexical attributes
    off) and equal datatrove's own tokenizer's, whole-text path included, in every language of the
    LID dev set that has a spaCy tokenizer of its own."""
    docs = sentence_docs(shared_data("lid-dev"), max_docs_per_language=8)
    languages = {doc.metadata["language"] for doc in docs}
    shared = set()
    for doc in docs:
        label = doc.metadata["language"]
        ours, stock = word_tokenizer(label), resolve(label).tokenizer
        if isinstance(ours, PipelineWords):
            shared.add(label)
            assert type(stock) is SpaCyTokenizer and ours is not stock
            assert ours.tokenizer is WordSplitter(label).chunks.nlp  # one pipeline for both
            assert ours.word_tokenize(doc.text) == stock.word_tokenize(doc.text), doc.id
            assert WordSplitter(label).words(doc.text) == stock.word_tokenize(doc.text), doc.id
            assert ours.sent_tokenize(doc.text) == stock.sent_tokenize(doc.text), doc.id
    assert len(shared) >= 25 and len(languages) >= 70, (len(shared), len(languages))


def test_a_full_cache_is_emptied_without_changing_words(pages, monkeypatch):
    monkeypatch.setattr(chunks_module, "MAX_CACHED", 50)
    splitter = WordSplitter("deu_Latn")
    splitter.chunks.cache.clear()  # the cache is per process: start from what this test fills
    for doc in pages[:20]:
        assert splitter.words(doc.text) == resolve("deu_Latn").tokenizer.word_tokenize(doc.text)
        assert len(splitter.chunks.cache) <= max(50, len(set(doc.text.split())))


def test_tokenizer_resolution_falls_back_step_by_step():
    assert word_tokenizer("cmn_Hans") is word_tokenizer("cmn_Hani")  # script alias
    assert type(word_tokenizer("zzz_Latn")).__name__ == "WhitespaceTokenizer"  # unknown: multilingual


def test_plain_chunks_skip_spacy_but_special_cases_do_not():
    splitter = WordSplitter("eng_Latn")
    text = "We cannot go, gonna stay Im sure. Dont worry: naïve café Straße ﬁne etc. Mr. Smith's cats' a- b% No.1"
    assert splitter.words(text) == splitter.tokenizer.word_tokenize(text)
    assert splitter.chunks.plain.proven  # English is proven: plain words never reached spaCy
    assert splitter.chunks.cache["cannot"] == ("can", "not") and splitter.chunks.cache["naïve"] == ("naïve",)
    assert splitter.chunks.cache["go,"] == ("go", ",") and splitter.chunks.cache["Mr."] == ("Mr.",)
    assert splitter.chunks.plain.tokens("Mr.") is None and splitter.chunks.plain.tokens("sure.") == (
        "sure",
        ".",
    )
