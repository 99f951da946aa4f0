"""Word n-gram shingles of a document, bit-identical to datatrove's MinhashDedupSignature.get_shingles.

datatrove normalises the whole text (`simplify_text`), runs the language's word tokenizer over it and
hashes every " "-joined n-gram with xxhash64. Normalising and tokenizing dominate its cost (spaCy
alone is ~60%). Both are local to whitespace-separated chunks for spaCy's rule-based tokenizer, so
here each distinct chunk is normalised once and its pieces tokenized once (text/chunks.py) and
cached: the same tokens come out at a small fraction of the cost. Tokenizers that segment across spaces (jieba, sudachi, pythainlp, ...)
get the whole text, as in datatrove.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import xxhash
from datatrove.utils.text import DEF_TEXT_NORM_CONFIG, TextNormConfig, simplify_text
from datatrove.utils.word_tokenizers import WordTokenizer

from curator.text.chunks import bounded_cache, chunk_tokens, make_room
from curator.text.tokenizers import word_tokenizer

_EMPTY = np.empty(0, dtype=np.uint64)
_SEPARATOR = (
    "\ue000"  # a private-use character: not whitespace, punctuation, a digit, cased or a combining mark
)
# normalised tokens of each whitespace chunk, per chunk cache and normalisation, shared by the
# tasks a worker runs one after another (bounded with every chunk cache: text/chunks.py)
_NORMALISED: dict[tuple[int, str], dict[str, tuple[str, ...]]] = {}


def simplify_chunks(chunks: list[str], config: TextNormConfig) -> list[str]:
    """simplify_text of each whitespace-free chunk, from one call over all of them: its steps
    (case, numbers, week and month names, punctuation, whitespace, diacritics) never act across a
    separator that is none of those, so only surrounding and repeated spaces can differ, which
    splitting on " " ignores. One call costs a third less than a call per chunk."""
    joined = _SEPARATOR.join(chunks)
    if joined.count(_SEPARATOR) == len(chunks) - 1:  # no chunk holds the separator itself
        simplified = simplify_text(joined, config).split(_SEPARATOR)
        if len(simplified) == len(chunks):
            return simplified
    return [simplify_text(chunk, config) for chunk in chunks]


class Shingler:
    """Hashes of a text's word n-grams (uint64), as datatrove computes them, with a chunk cache.

    `tokenizer`: a language label or tokenizer key (resolved by text/tokenizers.py, as the filters
    resolve it) or a WordTokenizer. A chunk's normalised pieces are whitespace-free chunks of the
    normalised text: their tokens come from the process's chunk cache for the tokenizer's spaCy
    language (text/chunks.py), the same cache the filters fill with raw chunks.
    """

    def __init__(
        self,
        tokenizer: str | WordTokenizer,
        n_grams: int = 5,
        norm_config: TextNormConfig = DEF_TEXT_NORM_CONFIG,
    ):
        self.tokenizer = word_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer
        self.n_grams = n_grams
        self.norm_config = norm_config
        # chunk-wise needs whitespace-normalising text normalisation, as datatrove's default
        self.pieces = chunk_tokens(self.tokenizer) if norm_config.norm_whitespace else None
        self._chunks: dict[str, tuple[str, ...]] = {}
        if self.pieces is not None:
            key = (id(self.pieces), repr(norm_config))
            if key not in _NORMALISED:
                _NORMALISED[key] = bounded_cache()
            self._chunks = _NORMALISED[key]

    def _fill(self, chunks: list[str]) -> None:
        """Tokenize chunks not yet cached: normalise them (one call), then look up or tokenize
        their pieces in the chunk cache."""
        per_chunk = [
            [p for p in simple.split(" ") if p] for simple in simplify_chunks(chunks, self.norm_config)
        ]
        self.pieces.fill(chain.from_iterable(per_chunk))
        pieces = self.pieces.cache
        self._chunks.update(
            (chunk, tuple(chain.from_iterable(map(pieces.__getitem__, chunk_pieces))))
            for chunk, chunk_pieces in zip(chunks, per_chunk, strict=True)
        )

    def tokens(self, text: str) -> list[str]:
        """The normalised word tokens of `text`."""
        if self.pieces is None:
            return self.tokenizer.word_tokenize(simplify_text(text, self.norm_config))
        chunks = text.split()
        cache = self._chunks
        missing = set(chunks).difference(cache)  # iterates the chunks, not the cache
        if missing:
            if make_room(len(missing)):  # one bound for every chunk cache of the process;
                missing = set(chunks)  # fresh caches refill with the frequent chunks
            try:
                self._fill(sorted(missing))
            except Exception:  # spaCy failed on a piece: datatrove's own path, as datatrove runs it
                return self.tokenizer.word_tokenize(simplify_text(text, self.norm_config))
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
