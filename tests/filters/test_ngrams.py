"""Hashed n-gram measures equal datatrove's functions, also when hashes collide."""

import numpy as np
from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_top_duplicate,
    get_n_grams,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.filters import ngrams
from curator.filters.ngrams import NgramStats

# few distinct short words, so that n-grams repeat and "".join(...) of different n-grams can be equal
WORDS = st.lists(st.sampled_from(["a", "b", "ab", "ba", "abc", "c", "the", "th", "e", "."]), min_size=0, max_size=300)


def datatrove_numbers(words):
    top = {n: find_top_duplicate(get_n_grams(words, n)) if len(words) >= n else None for n in (2, 3, 4)}
    return top, {n: find_all_duplicate(words, n) for n in range(5, 11)}


def our_numbers(words):
    stats = NgramStats(words)
    return {n: stats.top_duplicate_chars(n) for n in (2, 3, 4)}, {n: stats.duplicated_chars(n) for n in range(5, 11)}


@settings(max_examples=200, deadline=None)
@given(words=WORDS)
def test_same_numbers_as_datatrove(words):
    assert our_numbers(words) == datatrove_numbers(words)


@settings(max_examples=100, deadline=None)
@given(words=WORDS)
def test_same_numbers_when_every_anagram_collides(words):
    """With base 1 the hash is the sum of the characters: collisions everywhere, fallbacks exercised."""
    saved = ngrams._powers, ngrams._inverse_powers
    ngrams._powers = ngrams._inverse_powers = np.ones(100_000, dtype=np.uint64)
    try:
        assert our_numbers(words) == datatrove_numbers(words)
    finally:
        ngrams._powers, ngrams._inverse_powers = saved
