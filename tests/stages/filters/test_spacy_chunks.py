"""What spaCy does to chunks, read from its rules: the letters proof is sound on real tokenizers and
refuses what it cannot prove; plain chunks get spaCy's tokens; special cases matched across chunks
are caught (words equal datatrove's on punctuation-heavy text)."""

import re

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.text.spacy_rules import PlainChunks, keeps_letter_chunks_whole, regex_never_matches_letters
from curator.text.words import WordSplitter


@pytest.mark.parametrize(
    ("pattern", "proven"),
    [
        (
            r"(?<=[0-9])(?:km|m)$|'s$|\.\.+$|[\u2000-\u206F]$",
            True,
        ),  # units after digits, clitics, punctuation
        (r"^[\[\(\"']|^\d+", True),
        (r"x?\.|(?:ab)*,", True),  # optional letters, then a character that is never a letter
        (r"(?!\.)[a-z]+$", False),  # a letter run can be cut
        (r"(?<=[a-z])(?=[A-Z])", False),  # empty infix between two letters: camelCase is split
        (r"(?i)\.$", False),  # flags: no proof
        (r"[^,]$", False),  # negated class: no proof
        (r"(?<=[0-9])(?:km)$|ß$", False),
    ],
)
def test_proof_on_small_patterns(pattern, proven):
    assert regex_never_matches_letters(re.compile(pattern)) is proven


LANGUAGES = ["en", "de", "fr", "es", "ru", "el", "ar", "fa", "he", "tr", "fi", "xx"]
LETTERS = st.text(st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo"]), min_size=1, max_size=12)


@pytest.mark.parametrize("language", LANGUAGES)
def test_real_tokenizers_are_proven(language):
    assert keeps_letter_chunks_whole(spacy.blank(language).tokenizer)


def test_a_tokenizer_whose_infixes_cut_letters_is_not_proven():
    tokenizer = spacy.blank("en").tokenizer
    tokenizer.infix_finditer = re.compile(r"(?<=[a-z])(?=[A-Z])").finditer
    assert not keeps_letter_chunks_whole(tokenizer)
    assert [t.text for t in tokenizer("camelCase")] == ["camel", "Case"]


@pytest.fixture(scope="module")
def tokenizers():
    return {language: spacy.blank(language).tokenizer for language in LANGUAGES}


@settings(max_examples=300, deadline=None)
@given(chunk=LETTERS, language=st.sampled_from(LANGUAGES))
def test_proven_tokenizers_keep_letter_chunks_whole(tokenizers, chunk, language):
    tokenizer = tokenizers[language]
    if chunk.isalpha() and chunk not in tokenizer.rules:
        assert [t.text for t in tokenizer(chunk)] == [chunk]


MARKS = st.characters(categories=["P", "S", "N"])  # punctuation, symbols, digits


@settings(max_examples=400, deadline=None)
@given(word=LETTERS, mark=MARKS, language=st.sampled_from(LANGUAGES))
def test_plain_tokens_are_spacys(tokenizers, word, mark, language):
    """Letters then one mark: when PlainChunks answers, spaCy gives the same tokens."""
    tokenizer = tokenizers[language]
    chunk = word + mark
    plain = PlainChunks(tokenizer).tokens(chunk)
    if plain is not None:
        assert list(plain) == [t.text for t in tokenizer(chunk)], chunk


@pytest.mark.parametrize("chunk", ["Ende.", "Wort,", "Frage?", "Klammer)"])
def test_common_word_endings_are_answered(tokenizers, chunk):
    assert PlainChunks(tokenizers["de"]).tokens(chunk) == (chunk[:-1], chunk[-1])


@pytest.fixture(scope="module")
def english():
    return WordSplitter("eng_Latn")


def test_new_chunks_tokenized_together_get_their_own_tokens(english):
    english.words("Warm up.")
    english.chunks.tokenize(["x'", "''Tas"])  # one space apart, spaCy would match "'", "'" across them
    assert (
        english.chunks.cache["''Tas"]
        == ("''", "Tas")
        == tuple(t.text for t in english.chunks.nlp.tokenizer("''Tas"))
    )


def test_a_special_case_matched_across_chunks_is_seen(english):
    text = "x' ''Tas"
    assert english.words(text) == english.tokenizer.word_tokenize(text) == ["x", "'", "'", "'", "Tas"]
    assert english.words("''Tas") == ["''", "Tas"]  # alone, the chunk's tokens differ
    assert english.chunks.sensitive["''Tas"] == ("'", "'", "Tas")  # its tokens before the matcher
    for text in ["setUp(self): x", "a :) :) b", "x ): y", "John's cat's"]:
        assert english.words(text) == english.tokenizer.word_tokenize(text)


FRAGMENTS = [
    "'",
    "''",
    ":",
    ")",
    "(",
    "-",
    ":-)",
    "Tas",
    "x",
    "cannot",
    "Mr.",
    "e.g.",
    ",",
    ".",
    "s",
    " ",
    " ",
    "\n",
]


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_words_are_datatroves_on_punctuation_soup(english, text):
    """Special cases, emoticons and quotes in every arrangement: the chunk cache, the plain chunks
    and the matcher check together give datatrove's words."""
    assert english.words(text) == english.tokenizer.word_tokenize(text)
