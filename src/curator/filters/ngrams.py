"""Gopher's n-gram repetition measures, exactly as datatrove computes them, without building n-grams.

datatrove joins every n-gram into a string (" "-joined for the top n-gram, ""-joined for the
duplicated n-grams) for each n: ~9 passes of Python string building per word. Here each n-gram
is a substring of one joined text, so its polynomial hash comes from a prefix-hash array in a
few numpy operations. Equal strings always have equal hashes; every hash match that decides a
result is confirmed by comparing the strings, and a collision falls back to datatrove's own
function, so the numbers are datatrove's, bit for bit.
"""

from __future__ import annotations

import numpy as np
from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_top_duplicate,
    get_n_grams,
)

SMALL_DOC_WORDS = 48  # below this, datatrove's plain Python is as fast as numpy's call overhead
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_BASE_INV = np.uint64(pow(int(_BASE), -1, 2**64))
_powers = np.ones(1, dtype=np.uint64)
_inverse_powers = np.ones(1, dtype=np.uint64)


def _power_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i (mod 2**64) for i < length, grown by doubling."""
    global _powers, _inverse_powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers))
        with np.errstate(over="ignore"):
            _powers = np.cumprod(np.full(size, _BASE, dtype=np.uint64), dtype=np.uint64) * _BASE_INV
            _inverse_powers = np.cumprod(np.full(size, _BASE_INV, dtype=np.uint64), dtype=np.uint64) * _BASE
    return _powers, _inverse_powers


class _JoinedText:
    """`sep.join(words)` with the prefix hashes of its characters and where each word starts."""

    def __init__(self, words: list[str], word_starts: np.ndarray, sep: str):
        self.text = sep.join(words)
        self.starts = word_starts + np.arange(len(word_starts), dtype=np.int64) * len(sep)
        self.sep_len = len(sep)
        codes = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        powers, inverse = _power_tables(len(codes) + 1)
        self.inverse = inverse
        self.prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.cumsum((codes + np.uint64(1)) * powers[: len(codes)], out=self.prefix[1:])

    def ngram_spans(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Start and end offsets in `text` of every n-gram (n consecutive words)."""
        count = len(self.starts) - 1 - n + 1
        begin = self.starts[:count]
        end = self.starts[n : n + count] - self.sep_len
        return begin, end

    def hashes(self, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (self.prefix[end] - self.prefix[begin]) * self.inverse[begin]


class NgramStats:
    """Top n-gram and duplicated n-gram character counts of one document's words."""

    def __init__(self, words: list[str]):
        self.words = words
        self.small = len(words) < SMALL_DOC_WORDS
        self._spaced: _JoinedText | None = None
        self._joined: _JoinedText | None = None
        self._starts: np.ndarray | None = None

    def _word_starts(self) -> np.ndarray:
        """Offsets of each word in "".join(words), plus the total length at the end."""
        if self._starts is None:
            lengths = np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))
            self._starts = np.concatenate(([0], np.cumsum(lengths)))
        return self._starts

    def top_duplicate_chars(self, n: int) -> int | None:
        """datatrove's find_top_duplicate(get_n_grams(words, n)); None when there is no n-gram."""
        if len(self.words) < n:
            return None
        if self.small:
            return find_top_duplicate(get_n_grams(self.words, n))
        if self._spaced is None:
            self._spaced = _JoinedText(self.words, self._word_starts(), " ")
        joined = self._spaced
        begin, end = joined.ngram_spans(n)
        hashes = joined.hashes(begin, end)
        unique, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        top_count = int(counts.max())
        # Counter.most_common(1): the highest count, the earliest first occurrence among ties
        top = int(first[counts == top_count].min())
        text = joined.text
        gram = text[begin[top] : end[top]]
        if top_count > 1:
            members = np.flatnonzero(hashes == hashes[top])
            if any(text[b:e] != gram for b, e in zip(begin[members].tolist(), end[members].tolist(), strict=True)):
                return find_top_duplicate(get_n_grams(self.words, n))  # hash collision
        return len(gram) * top_count

    def duplicated_chars(self, n: int) -> int:
        """datatrove's find_all_duplicate(words, n): characters of n-grams ("" joined) seen before,
        scanning left to right and jumping over each duplicate."""
        if self.small:
            return find_all_duplicate(self.words, n)
        if len(self.words) < n:
            return 0
        if self._joined is None:
            self._joined = _JoinedText(self.words, self._word_starts(), "")
        joined = self._joined
        begin, end = joined.ngram_spans(n)
        hashes = joined.hashes(begin, end)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        same_as_next = ordered[1:] == ordered[:-1]
        if not same_as_next.any():
            return 0
        repeated = np.zeros(len(hashes), dtype=bool)
        repeated[order[1:][same_as_next]] = True
        repeated[order[:-1][same_as_next]] = True
        # Only n-grams whose hash occurs twice or more can be duplicates; others are skipped over.
        text = joined.text
        begin_list, end_list, hash_list = begin.tolist(), end.tolist(), hashes.tolist()
        seen: dict[int, int] = {}
        duplicated, position = 0, 0
        for i in np.flatnonzero(repeated).tolist():
            if i < position:
                continue  # jumped over by the previous duplicate: never added to the seen set
            first = seen.get(hash_list[i])
            if first is None:
                seen[hash_list[i]] = i
                position = i + 1
                continue
            gram = text[begin_list[i] : end_list[i]]
            if gram != text[begin_list[first] : end_list[first]]:
                return find_all_duplicate(self.words, n)  # hash collision
            duplicated += len(gram)
            position = i + n
        return duplicated
