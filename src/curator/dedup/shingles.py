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
_CHUNK_CACHES: dict[tuple, dict[str, tuple[str, ...]]] = {}  # tokens of each whitespace chunk


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


class Shingler:
    """Hashes of a text's word n-grams (uint64), as datatrove computes them, with a chunk cache.

    `tokenizer`: a datatrove tokenizer key (tokenizer_assignment.csv, e.g. "deu_Latn") or a WordTokenizer.
    """

    def __init__(
        self,
        tokenizer: str | WordTokenizer,
        n_grams: int = 5,
        norm_config: TextNormConfig = DEF_TEXT_NORM_CONFIG,
        max_cached_chunks: int = 200_000,  # all languages of the process together: ~50 MB
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
        """Tokenize chunks not yet cached: plain words directly, the others in one spaCy call (token
        offsets map its tokens back to their chunks)."""
        per_chunk: list[list[str]] = [[] for _ in chunks]
        hard: list[tuple[int, str]] = []  # (chunk index, piece) for spaCy
        for i, chunk in enumerate(chunks):
            for piece in simplify_text(chunk, self.norm_config).split(" "):
                if not piece:
                    continue
                if self._is_one_token(piece):
                    per_chunk[i].append(piece)
                else:
                    hard.append((i, piece))
                    per_chunk[i].append(None)  # placeholder: keeps the order of the chunk's tokens
        if hard:
            joined = " ".join(piece for _, piece in hard)
            starts = list(accumulate((len(piece) + 1 for _, piece in hard[:-1]), initial=0))
            pieces: list[list[str]] = [[] for _ in hard]
            nlp = self._nlp
            with nlp.memory_zone():
                nlp.max_length = len(joined) + 10
                for token in nlp.tokenizer(joined):
                    text = token.text.strip()
                    if text:
                        pieces[bisect_right(starts, token.idx) - 1].append(text)
            spacy_tokens = iter(pieces)
            for i in dict.fromkeys(i for i, _ in hard):
                per_chunk[i] = [
                    t for tok in per_chunk[i] for t in (next(spacy_tokens) if tok is None else [tok])
                ]
        self._chunks.update(zip(chunks, map(tuple, per_chunk), strict=True))

    def tokens(self, text: str) -> list[str]:
        """The normalised word tokens of `text`."""
        if self._nlp is None:
            return self.tokenizer.word_tokenize(simplify_text(text, self.norm_config))
        chunks = text.split()
        cache = self._chunks
        missing = set(chunks).difference(cache)  # iterates the chunks, not the cache
        if missing:
            if sum(map(len, _CHUNK_CACHES.values())) + len(missing) > self.max_cached_chunks:
                for cached in _CHUNK_CACHES.values():  # one bound for all languages of the process;
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
