"""The proof that a spaCy tokenizer keeps letters-only chunks whole: sound on real tokenizers, and it
refuses what it cannot prove."""

import re

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.filters.letter_chunks import PlainChunks, keeps_letter_chunks_whole, regex_never_matches_letters


@pytest.mark.parametrize(
    ("pattern", "proven"),
    [
        (r"(?<=[0-9])(?:km|m)$|'s$|\.\.+$|[\u2000-\u206F]$", True),  # units after digits, clitics, punctuation
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
