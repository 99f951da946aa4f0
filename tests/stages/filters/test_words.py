"""Word splitting: the chunk-cached words are datatrove's words, in every kind of tokenizer."""

from curator.text import chunks as chunks_module
from curator.text.tokenizers import word_tokenizer
from curator.text.words import WordSplitter


def test_words_equal_datatrove_tokenizer_in_many_languages(sentence_documents, pages):
    docs = sentence_documents[::5] + pages[:100]
    splitters = {}
    for doc in docs:
        key = doc.metadata["language"]
        splitter = splitters.setdefault(key, WordSplitter(key))
        assert splitter.words(doc.text) == splitter.tokenizer.word_tokenize(doc.text), doc.id
    cached = {key for key, s in splitters.items() if s.caches_chunks}
    assert {"eng_Latn", "deu_Latn", "rus_Cyrl", "spa_Latn"} <= cached  # the cache is really used
    assert "cmn_Hani" not in cached and "tha_Thai" not in cached  # whole-text segmenters are not


def test_a_full_cache_is_emptied_without_changing_words(pages, monkeypatch):
    monkeypatch.setattr(chunks_module, "MAX_CACHED", 50)
    splitter = WordSplitter("deu_Latn")
    splitter.chunks.cache.clear()  # the cache is per process: start from what this test fills
    for doc in pages[:20]:
        assert splitter.words(doc.text) == splitter.tokenizer.word_tokenize(doc.text)
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
