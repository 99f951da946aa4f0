"""Hashed n-gram measures equal datatrove's functions, also when hashes collide."""

import numpy as np
from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_top_duplicate,
    get_n_grams,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.stages.filters import ngrams
from curator.stages.filters.ngrams import NgramStats

# few distinct short words, so that n-grams repeat and "".join(...) of different n-grams can be equal;
# "a b": a word with a space inside, as some tokenizers give
WORDS = st.lists(
    st.sampled_from(["a", "b", "ab", "ba", "abc", "c", "the", "th", "e", ".", "a b"]),
    min_size=0,
    max_size=300,
)


def datatrove_numbers(words):
    top = {n: find_top_duplicate(get_n_grams(words, n)) if len(words) >= n else None for n in (2, 3, 4)}
    return top, {n: find_all_duplicate(words, n) for n in range(5, 11)}


def our_numbers(words):
    stats = NgramStats(words)
    top, duplicated = (
        {n: stats.top_duplicate_chars(n) for n in (2, 3, 4)},
        {n: stats.duplicated_chars(n) for n in range(5, 11)},
    )
    # the bounds that spare most documents the exact numbers are never below them
    top_bounds, duplicated_bounds = stats.bounds([2, 3, 4], list(range(5, 11)))
    assert all(bound >= (top[n] or 0) for n, bound in zip(top, top_bounds, strict=True)), (top_bounds, top)
    assert all(bound >= duplicated[n] for n, bound in zip(duplicated, duplicated_bounds, strict=True))
    return top, duplicated


@settings(max_examples=200, deadline=None)
@given(words=WORDS)
def test_same_numbers_as_datatrove(words):
    assert our_numbers(words) == datatrove_numbers(words)


def test_bounds_are_tight_on_prose_and_exact_on_repeats(pages):
    """On a real page the bounds are far below the thresholds (so the exact numbers are skipped);
    on a page made of one repeated paragraph they reach the exact numbers' order."""
    words = next(d.text.split() for d in pages if len(d.text.split()) > 500)
    stats = NgramStats(words)
    size = len(" ".join(words))
    top_bounds, duplicated_bounds = stats.bounds([2], [5, 10])
    assert top_bounds[0] < 0.1 * size and max(duplicated_bounds) < 0.1 * size
    repeated = NgramStats(words[:100] * 5)
    assert repeated.bounds([], [5])[1] == [repeated.duplicated_chars(5)] == [4 * len("".join(words[:100]))]


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
