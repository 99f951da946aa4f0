"""Word n-gram shingles of a document, bit-identical to datatrove's MinhashDedupSignature.get_shingles.

datatrove normalises the whole text (`simplify_text`), runs the language's word tokenizer over it and
hashes every " "-joined n-gram with xxhash64. Normalising and tokenizing dominate its cost (spaCy
alone is ~60%). Both are local to whitespace-separated chunks for spaCy's rule-based tokenizer, so
here each distinct chunk is normalised and tokenized once and cached: the same tokens come out at a
small fraction of the cost. Tokenizers that segment across spaces (jieba, sudachi, pythainlp, ...)
get the whole text, as in datatrove.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, chain

import numpy as np
import xxhash
from datatrove.utils.text import DEF_TEXT_NORM_CONFIG, TextNormConfig, simplify_text
from datatrove.utils.word_tokenizers import (
    SpaCyTokenizer,
    WhitespaceTokenizer,
    WordTokenizer,
    load_word_tokenizer,
)

_EMPTY = np.empty(0, dtype=np.uint64)
_SEPARATOR = (
    "\ue000"  # a private-use character: not whitespace, punctuation, a digit, cased or a combining mark
)
_CHUNK_CACHES: dict[tuple, dict[str, tuple[str, ...]]] = {}  # tokens of each whitespace chunk
_PIECE_CACHES: dict[tuple, dict[str, tuple[str, ...]]] = {}  # tokens of each normalised piece of a chunk


def chunk_local_spacy(tokenizer: WordTokenizer):
    """The spaCy pipeline behind `tokenizer` if tokenizing a text equals tokenizing each
    whitespace-separated chunk on its own, else None.

    spaCy's rule-based `Tokenizer` splits on whitespace first and applies its prefix/suffix/infix
    rules within each chunk; languages with their own segmenter (zh, ja, ko, vi, th) use another class.
    """
    if isinstance(tokenizer, WhitespaceTokenizer):
        tokenizer = tokenizer._spacy_xx  # datatrove's fallback: spaCy's multi-language tokenizer
    if type(tokenizer) is not SpaCyTokenizer:
        return None
    from spacy.tokenizer import Tokenizer

    nlp = tokenizer.tokenizer
    return nlp if type(nlp.tokenizer) is Tokenizer else None


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

    `tokenizer`: a datatrove tokenizer key (tokenizer_assignment.csv, e.g. "deu_Latn") or a WordTokenizer.
    """

    def __init__(
        self,
        tokenizer: str | WordTokenizer,
        n_grams: int = 5,
        norm_config: TextNormConfig = DEF_TEXT_NORM_CONFIG,
        max_cached_chunks: int = 300_000,  # chunks and pieces, all languages of the process together: ~45 MB
    ):
        self.tokenizer = load_word_tokenizer(tokenizer)
        self.n_grams = n_grams
        self.norm_config = norm_config
        self.max_cached_chunks = max_cached_chunks
        # chunk-wise needs whitespace-normalising text normalisation, as datatrove's default
        self._nlp = chunk_local_spacy(self.tokenizer) if norm_config.norm_whitespace else None
        # per process, so the tasks a worker runs one after another share what earlier ones learned
        cache_key = (
            type(self.tokenizer).__name__,
            getattr(self.tokenizer, "language", None),
            repr(norm_config),
        )
        self._chunks = _CHUNK_CACHES.setdefault(cache_key, {})
        self._pieces = _PIECE_CACHES.setdefault(cache_key, {})  # many chunks share pieces: The, the, "the
        self._special_cases = (
            frozenset(self._nlp.tokenizer.rules or {}) if self._nlp is not None else frozenset()
        )

    def _is_one_token(self, piece: str) -> bool:
        """True if spaCy's tokenizer would return `piece` (no whitespace) unchanged: it is no special
        case and none of the tokenizer's own prefix, suffix or infix patterns matches it. Most words
        are; they skip spaCy, whose lexeme creation makes a new word cost ~50x a cached one."""
        tok = self._nlp.tokenizer
        return (
            piece not in self._special_cases
            and (tok.prefix_search is None or tok.prefix_search(piece) is None)
            and (tok.suffix_search is None or tok.suffix_search(piece) is None)
            and (tok.infix_finditer is None or next(tok.infix_finditer(piece), None) is None)
        )

    def _fill(self, chunks: list[str]) -> None:
        """Tokenize chunks not yet cached. Their normalised pieces are tokenized once each: plain
        words as themselves, the others in one spaCy call (token offsets map its tokens back)."""
        per_chunk = [
            [p for p in simple.split(" ") if p] for simple in simplify_chunks(chunks, self.norm_config)
        ]
        pieces = self._pieces
        new = set(chain.from_iterable(per_chunk)).difference(pieces)
        hard = sorted(p for p in new if not self._is_one_token(p))
        pieces.update((p, (p,)) for p in new)
        if hard:
            pieces.update(zip(hard, map(tuple, self._spacy_tokens(hard)), strict=True))
        self._chunks.update(
            (chunk, tuple(chain.from_iterable(map(pieces.__getitem__, chunk_pieces))))
            for chunk, chunk_pieces in zip(chunks, per_chunk, strict=True)
        )

    def _spacy_tokens(self, pieces: list[str]) -> list[list[str]]:
        """spaCy's tokens of each piece (no whitespace in any), from one call over all of them."""
        joined = " ".join(pieces)
        starts = list(accumulate((len(piece) + 1 for piece in pieces[:-1]), initial=0))
        tokens: list[list[str]] = [[] for _ in pieces]
        nlp = self._nlp
        with nlp.memory_zone():
            nlp.max_length = len(joined) + 10
            for token in nlp.tokenizer(joined):
                text = token.text.strip()
                if text:
                    tokens[bisect_right(starts, token.idx) - 1].append(text)
        return tokens

    def tokens(self, text: str) -> list[str]:
        """The normalised word tokens of `text`."""
        if self._nlp is None:
            return self.tokenizer.word_tokenize(simplify_text(text, self.norm_config))
        chunks = text.split()
        cache = self._chunks
        missing = set(chunks).difference(cache)  # iterates the chunks, not the cache
        if missing:
            caches = (*_CHUNK_CACHES.values(), *_PIECE_CACHES.values())
            if sum(map(len, caches)) + len(missing) > self.max_cached_chunks:
                for cached in caches:  # one bound for all languages of the process;
                    cached.clear()  # fresh caches refill with the frequent chunks
                missing = set(chunks)
            self._fill(sorted(missing))
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
