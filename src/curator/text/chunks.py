"""spaCy's tokens of whitespace-free chunks, cached across documents: one cache per spaCy language
and process, shared by the filters (a document's chunks) and dedup (its normalised pieces).

spaCy's rule-based tokenizer splits a text at whitespace and tokenizes each chunk on its own, so a
chunk's tokens can be computed once and reused; asking spaCy for a new chunk costs ~20 µs, most of
the filters' and dedup's time. `PlainChunks` (spacy_rules.py) answers most new chunks without
spaCy; the others go to spaCy together in one call. Tokenizers that see the whole text (jieba,
sudachi, pythainlp, Kiwi, IndicNLP...) have no chunk cache (`chunk_tokens` returns None).

Memory: every cache of the process (chunks, dedup's normalised chunks, the chunks a special case
could retokenize) counts towards one bound, `MAX_CACHED`. A caller asks `make_room(n)` before
adding n entries; when the total would pass the bound, every cache is emptied (they refill with
the frequent chunks: word frequencies are Zipfian). A fill may add the pieces of one document's
chunks beyond the bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from itertools import accumulate

from datatrove.utils.word_tokenizers import SpaCyTokenizer, WhitespaceTokenizer, WordTokenizer

from curator.text.spacy_rules import ChunkBoundaries, PlainChunks

MAX_CACHED = 300_000  # cached chunks and pieces, all caches of the process together: ~45 MB
_CACHES: list[dict] = []  # every bounded cache of the process


def bounded_cache() -> dict:
    """A new cache that counts towards `MAX_CACHED` and is emptied with the others."""
    new: dict = {}
    _CACHES.append(new)
    return new


def make_room(new_entries: int) -> bool:
    """Empty every cache if adding `new_entries` would pass the bound; True if it did."""
    if sum(map(len, _CACHES)) + new_entries <= MAX_CACHED:
        return False
    clear()
    return True


def clear() -> None:
    """Empty every chunk cache of the process (benchmarks start cold with it)."""
    for cached in _CACHES:
        cached.clear()


def spacy_language(tokenizer: WordTokenizer) -> str | None:
    """The spaCy language of `tokenizer` if it tokenizes whitespace chunks independently, else None.
    datatrove's WhitespaceTokenizer is spaCy "xx" (not its subclass BurmeseTokenizer, a segmenter);
    zh, ja and vi are spaCy pipelines with a segmenter that sees the whole text."""
    if type(tokenizer) is WhitespaceTokenizer:
        return "xx"
    if type(tokenizer) not in (SpaCyTokenizer, PipelineWords) or tokenizer.config is not None:
        return None
    return tokenizer.language


def words_tokenizer(tokenizer: WordTokenizer) -> WordTokenizer | None:
    """For a spaCy tokenizer with a chunk cache: a tokenizer whose words are `tokenizer`'s, over the
    chunk cache's pipeline, so the language's spaCy rules load once per process, not twice
    (Indonesian: ~2 s each; `PipelineWords`). None for any other tokenizer (it serves itself)."""
    if type(tokenizer) is not SpaCyTokenizer:
        return None
    language = spacy_language(tokenizer)
    chunks = None if language is None else _chunk_tokens(language)
    return None if chunks is None else chunks.words


class PipelineWords(SpaCyTokenizer):
    """datatrove's SpaCyTokenizer over a chunk cache's pipeline instead of a pipeline of its own.

    `word_tokenize` is datatrove's: it runs the pipeline on the text and keeps the tokens' texts.
    The chunk cache's pipeline differs from datatrove's only in its vocabulary's lexical attribute
    getters (emptied: shape, like_url... are computed for every new string and decide no split), so
    the tokens and their texts are the same (tests/stages/filters/test_words.py checks this on every spaCy
    language of the LID dev set). Sentences are another matter: spaCy's sentencizer reads `is_punct`,
    a lexical attribute, so `sent_tokenize` and `span_tokenize` go to datatrove's own tokenizer of the
    language, loaded at their first use (curator calls neither)."""

    def __init__(self, language: str, nlp):
        super().__init__(language)
        self.nlp = nlp

    @property
    def tokenizer(self):
        """The pipeline datatrove's methods run (its own property loads a pipeline of its own)."""
        return self.nlp

    def sent_tokenize(self, text: str) -> list[str]:
        return _own_pipeline(self.language).sent_tokenize(text)

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return _own_pipeline(self.language).span_tokenize(text)


@cache
def _own_pipeline(language: str) -> SpaCyTokenizer:
    """datatrove's SpaCyTokenizer of `language` with a pipeline of its own (lexical attributes on)."""
    return SpaCyTokenizer(language)


def chunk_tokens(tokenizer: WordTokenizer) -> ChunkTokens | None:
    """The process's chunk cache for `tokenizer`, or None for a tokenizer that sees the whole text."""
    language = spacy_language(tokenizer)
    return None if language is None else _chunk_tokens(language)


@cache
def _chunk_tokens(language: str) -> ChunkTokens | None:
    chunks = ChunkTokens(language)
    return chunks if chunks.nlp is not None else None


class ChunkTokens:
    """`cache[chunk]`: spaCy's tokens of a whitespace-free chunk, as its tokenizer gives them alone.

    `sensitive[chunk]`: the chunk's tokens before spaCy's special-case matcher, for the chunks
    where that matcher could replace tokens (spacy_rules.ChunkBoundaries: a document is exact
    only if no match crosses into them from a neighbour). `whitespace_specials`: special cases
    that contain whitespace ("EE. UU."): a text holding one must be tokenized whole.
    """

    def __init__(self, language: str):
        from spacy.tokenizer import Tokenizer

        self.language = language
        self.cache: dict[str, tuple[str, ...]] = bounded_cache()
        self.sensitive: dict[str, tuple[str, ...]] = bounded_cache()
        self.whitespace_specials: re.Pattern | None = None
        # A private copy of the pipeline: lexical attributes (shape, like_url...) do not change
        # where tokens split, and computing them for every new string is most of spaCy's time.
        nlp = SpaCyTokenizer(language).tokenizer
        if type(nlp.tokenizer) is not Tokenizer:
            self.nlp = None
            return
        nlp.vocab.lex_attr_getters = {}
        specials = [k for k in nlp.tokenizer.rules if not k.isspace() and any(c.isspace() for c in k)]
        if specials:
            self.whitespace_specials = re.compile("|".join(map(re.escape, specials)))
        self.plain = PlainChunks(nlp.tokenizer)
        self.boundaries = ChunkBoundaries(nlp)
        self.nlp = nlp
        self.words = PipelineWords(language, nlp)

    def fill(self, chunks: Iterable[str]) -> None:
        """Cache the tokens of the chunks not cached yet: plain ones without spaCy, the others in
        one spaCy call. Raises what spaCy raises (datatrove's whole-text path has the workarounds).
        Does not check the bound: call `make_room` first."""
        cache = self.cache
        plain_tokens, left = self.plain.tokens, []
        for chunk in set(chunks).difference(cache):
            tokens = plain_tokens(chunk)
            if tokens is None:
                left.append(chunk)
            else:
                cache[chunk] = tokens
        if left:
            self.tokenize(left)

    def tokenize(self, chunks: list[str]) -> None:
        """Tokenize new chunks with spaCy, cache each chunk's tokens and note the chunks where spaCy's
        special-case matcher replaced or could replace tokens (plain chunks never have one)."""
        nlp, cache = self.nlp, self.cache
        joined = "\n".join(chunks)  # a newline is a token of its own: no special case matches across chunks
        if self.whitespace_specials and self.whitespace_specials.search(joined):
            with nlp.memory_zone():
                for chunk in chunks:  # a special case could span two joined chunks: one by one
                    cache[chunk] = tuple(t.text for t in nlp.tokenizer(chunk))
        else:
            self._tokenize_joined(chunks, joined)
        for chunk in chunks:
            if (tokens := self.boundaries.sensitive_tokens(chunk, cache[chunk])) is not None:
                self.sensitive[chunk] = tokens

    def _tokenize_joined(self, chunks: list[str], joined: str) -> None:
        """One spaCy call for all chunks; a token's text is its slice of `joined` (no Token objects)."""
        from spacy.attrs import IDX, LENGTH

        with self.nlp.memory_zone():
            spans = self.nlp.tokenizer(joined).to_array([IDX, LENGTH]).tolist()
        cache = self.cache
        ends = list(accumulate(len(chunk) + 1 for chunk in chunks))  # one past each chunk's separator
        k, current = 0, []
        for start, length in spans:
            while start >= ends[k]:
                cache[chunks[k]] = tuple(current)
                k, current = k + 1, []
            if start != ends[k] - 1:  # not the separator
                current.append(joined[start : start + length])
        cache[chunks[k]] = tuple(current)
