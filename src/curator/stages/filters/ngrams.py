"""Gopher's n-gram repetition measures, exactly as datatrove computes them, without building n-grams.

datatrove joins every n-gram into a string (" "-joined for the top n-gram, ""-joined for the
duplicated n-grams) for each n: ~9 passes of Python string building per word. Here each n-gram
is a substring of one joined text, so its polynomial hash comes from a prefix-hash array in a
few numpy operations. Equal strings always have equal hashes; every hash match that decides a
result is confirmed by comparing the strings, and a collision falls back to datatrove's own
function, so the numbers are datatrove's, bit for bit.

A filter only asks whether a measure exceeds a threshold, and for most documents it is far below.
So each measure also has an upper bound, all of them computed at once with no Python loop
(`bounds`): the exact number is needed only when a bound does not already settle the comparison.
"""

from __future__ import annotations

import numpy as np
from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_top_duplicate,
    get_n_grams,
)

SMALL_DOC_WORDS = 48  # below this, datatrove's plain Python is as fast as numpy's call overhead
BUCKETS_PER_NGRAM = 4  # hash buckets per n-gram: ~1 in 5 unique n-grams shares its bucket
MAX_BUCKET_BITS = 18  # at most 2**18 buckets per n (2 MB): long documents share more, use less memory
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_BASE_INV = np.uint64(pow(int(_BASE), -1, 2**64))
_ROW_SALT = np.uint64(0xD6E8FEB86659FD93)  # keeps equal hashes of different n apart (only for speed)
_powers = np.ones(1, dtype=np.uint64)
_inverse_powers = np.ones(1, dtype=np.uint64)
# uint64 array arithmetic wraps modulo 2**64 silently, which is what the hashes need


def _power_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i (mod 2**64) for i < length, grown by doubling."""
    global _powers, _inverse_powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers))
        _powers = np.cumprod(np.full(size, _BASE, dtype=np.uint64), dtype=np.uint64) * _BASE_INV
        _inverse_powers = np.cumprod(np.full(size, _BASE_INV, dtype=np.uint64), dtype=np.uint64) * _BASE
    return _powers, _inverse_powers


def bucket_counts(hashes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """For each hash of a (rows, columns) table, how many valid hashes of its row share its bucket
    (its top bits): at least how often it occurs in its row. Invalid entries share one bucket."""
    rows, columns = hashes.shape
    bits = min(max(8, (BUCKETS_PER_NGRAM * columns).bit_length()), MAX_BUCKET_BITS)
    buckets = (hashes >> np.uint64(64 - bits)).astype(np.intp)
    buckets += (np.arange(rows, dtype=np.intp) << bits)[:, None]
    buckets[~valid] = rows << bits
    return np.bincount(buckets.ravel())[buckets]


def later_occurrences(hashes: np.ndarray, valid: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Flat indices of the valid hashes equal to an earlier one of their row (a superset: only
    bucket-mates, `counts` > 1 from `bucket_counts`, are compared, by hash)."""
    candidates = np.flatnonzero((counts > 1) & valid)
    rows = (candidates // hashes.shape[1]).astype(np.uint64)
    keys = hashes.ravel()[candidates] + rows * _ROW_SALT
    order = np.argsort(keys, kind="stable")  # equal keys in index order: the first one leads
    ordered = keys[order]
    return candidates[order[1:][ordered[1:] == ordered[:-1]]]


class _JoinedText:
    """`sep.join(words)` with the prefix hashes of its characters and where each word starts."""

    def __init__(self, words: list[str], word_starts: np.ndarray, sep: str):
        self.text = sep.join(words)
        self.starts = word_starts + np.arange(len(word_starts), dtype=np.int64) * len(sep)
        self.sep_len = len(sep)
        codes = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
            np.uint64
        )
        powers, inverse = _power_tables(len(codes) + 1)
        self.inverse = inverse
        self.prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum((codes + np.uint64(1)) * powers[: len(codes)], out=self.prefix[1:])

    def ngram_table(self, ns: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Start and end offsets (in `text`) and hashes of every n-gram (n consecutive words), one row
        per n, one column per first word; `valid` is False where the n-gram would run past the end."""
        n_words = len(self.starts) - 1
        sizes = np.asarray(ns, dtype=np.int64)[:, None]
        first = np.arange(max(n_words - min(ns) + 1, 0), dtype=np.int64)
        last_word = first + sizes  # one past each n-gram's last word (in place below: long texts)
        valid = last_word <= n_words
        begin = self.starts[first]
        end = self.starts[np.minimum(last_word, n_words, out=last_word)]
        end -= self.sep_len
        hashes = self.prefix[end]
        hashes -= self.prefix[begin]
        hashes *= self.inverse[begin]
        return np.broadcast_to(begin, valid.shape), end, hashes, valid


class NgramStats:
    """Top n-gram and duplicated n-gram character counts of one document's words, with cheap bounds."""

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

    def _spaced_text(self) -> _JoinedText:
        if self._spaced is None:
            self._spaced = _JoinedText(self.words, self._word_starts(), " ")
        return self._spaced

    def _joined_text(self) -> _JoinedText:
        if self._joined is None:
            self._joined = _JoinedText(self.words, self._word_starts(), "")
        return self._joined

    def top_duplicate_chars(self, n: int) -> int | None:
        """datatrove's find_top_duplicate(get_n_grams(words, n)); None when there is no n-gram."""
        if len(self.words) < n:
            return None
        if self.small:
            return find_top_duplicate(get_n_grams(self.words, n))
        spaced = self._spaced_text()
        begin, end, hashes, _valid = (a[0] for a in spaced.ngram_table([n]))
        unique, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        top_count = int(counts.max())
        # Counter.most_common(1): the highest count, the earliest first occurrence among ties
        top = int(first[counts == top_count].min())
        text = spaced.text
        gram = text[begin[top] : end[top]]
        if top_count > 1:
            members = np.flatnonzero(hashes == hashes[top])
            if any(
                text[b:e] != gram for b, e in zip(begin[members].tolist(), end[members].tolist(), strict=True)
            ):
                return find_top_duplicate(get_n_grams(self.words, n))  # hash collision
        return len(gram) * top_count

    def bounds(self, top_ns: list[int], duplicated_ns: list[int]) -> tuple[list[int], list[int]]:
        """At least `top_duplicate_chars(n)` (0 when there is no n-gram) for each n of `top_ns` and at
        least `duplicated_chars(n)` for each n of `duplicated_ns`, from one table of hashes.

        Top n-gram: the largest occurrences x length of any n-gram, occurrences over-counted by
        bucket. With no space inside a word, equal " "-joined n-grams are equal ""-joined ones, one
        character per space shorter, so the ""-joined table serves both measures.
        Duplicated n-grams: the characters of the words covered by n-grams that repeat an earlier
        one (datatrove counts some of those, never overlapping, never a first occurrence)."""
        ns = [*top_ns, *duplicated_ns]
        n_words = len(self.words)
        if self.small or n_words < min(ns, default=0) or not ns:
            return [self.top_duplicate_chars(n) or 0 for n in top_ns], [
                self.duplicated_chars(n) for n in duplicated_ns
            ]
        joined = self._joined_text()
        begin, end, hashes, valid = joined.ngram_table(ns)
        counts = bucket_counts(hashes, valid)
        tops = len(top_ns)
        if " " in joined.text:  # a word with a space: top n-grams from the " "-joined text itself
            top_begin, top_end, top_hashes, top_valid = self._spaced_text().ngram_table(top_ns)
            top_products = (top_end - top_begin) * bucket_counts(top_hashes, top_valid)
        else:
            top_valid = valid[:tops]
            spaces = np.asarray(top_ns, dtype=np.int64)[:, None] - 1
            top_products = (end[:tops] - begin[:tops] + spaces) * counts[:tops]
        top_bounds = np.where(top_valid, top_products, 0).max(axis=1, initial=0)

        rows, first = np.divmod(
            later_occurrences(hashes[tops:], valid[tops:], counts[tops:]), hashes.shape[1]
        )
        # words covered per row: +1 where a repeated n-gram starts, -1 after its last word
        width = n_words + 1
        starts = rows * width + first
        ends = starts + np.asarray(duplicated_ns, dtype=np.int64)[rows]
        size = len(duplicated_ns) * width
        depth = np.bincount(starts, minlength=size) - np.bincount(ends, minlength=size)
        covered = np.cumsum(depth.reshape(len(duplicated_ns), width), axis=1)[:, :n_words] > 0
        return top_bounds.tolist(), (covered @ np.diff(self._word_starts())).tolist()

    def duplicated_chars(self, n: int) -> int:
        """datatrove's find_all_duplicate(words, n): characters of n-grams ("" joined) seen before,
        scanning left to right and jumping over each duplicate."""
        if self.small:
            return find_all_duplicate(self.words, n)
        if len(self.words) < n:
            return 0
        joined = self._joined_text()
        begin, end, hashes, valid = joined.ngram_table([n])
        # Only n-grams whose bucket holds another n-gram can be duplicates; others are skipped over.
        candidates = np.flatnonzero(bucket_counts(hashes, valid)[0] > 1)
        text = joined.text
        begin_list, end_list = begin[0, candidates].tolist(), end[0, candidates].tolist()
        seen: dict[int, int] = {}
        duplicated, position = 0, 0
        for k, (i, h) in enumerate(zip(candidates.tolist(), hashes[0, candidates].tolist(), strict=True)):
            if i < position:
                continue  # jumped over by the previous duplicate: never added to the seen set
            first = seen.get(h)
            if first is None:
                seen[h] = k
                position = i + 1
                continue
            gram = text[begin_list[k] : end_list[k]]
            if gram != text[begin_list[first] : end_list[first]]:
                return find_all_duplicate(self.words, n)  # hash collision
            duplicated += len(gram)
            position = i + n
        return duplicated
