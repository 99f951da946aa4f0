"""Words of a document with datatrove's tokenizer for its language, computed once and fast.

datatrove's heuristic filters split a document into words with `load_word_tokenizer(language)`.
For spaCy's rule-based tokenizer that costs most of the filters' time, because datatrove runs the
whole blank pipeline (with a sentencizer) inside a `memory_zone` that throws spaCy's own cache
away after every document. spaCy tokenizes each whitespace-separated chunk on its own, so the
words of a document are the concatenation of the words of its chunks: `WordSplitter` caches
chunk -> words across documents and asks spaCy only for unseen chunks (each on its own). Two
things cross chunks: special cases that contain whitespace (e.g. Spanish "EE. UU.") and spaCy's
special-case matcher joining tokens of chunks one space apart (spacy_chunks.ChunkBoundaries); a
document where either could happen goes through datatrove's own tokenization. An unseen chunk of letters (or letters
and one final mark, "word,") gets its tokens without asking spaCy, for the tokenizers whose affix
regexes provably never cut a chunk of letters (spacy_chunks.py). Other tokenizers (Thai, Chinese,
Japanese, Indic...) are called as datatrove calls them.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from itertools import accumulate, chain

from datatrove.utils.word_tokenizers import (
    SpaCyTokenizer,
    WhitespaceTokenizer,
    WordTokenizer,
    load_word_tokenizer,
)

from curator.text.spacy_chunks import ChunkBoundaries, PlainChunks

logger = logging.getLogger(__name__)

# ISO 15924 scripts that datatrove's tokenizer table names by their umbrella script.
SCRIPT_ALIASES = {"Hans": "Hani", "Hant": "Hani", "Kore": "Hang"}
MAX_CACHED_CHUNKS = 200_000  # per tokenizer; cleared when full (bounded memory, Zipf keeps hits high)


@cache
def word_tokenizer(key: str) -> WordTokenizer:
    """datatrove's tokenizer for `key` (e.g. deu_Latn), else for its alias or its ISO 639-3 code,
    else datatrove's multilingual fallback (spaCy "xx", which splits on whitespace and punctuation).

    A fallback is logged once per key: give the language's profile a `tokenizer:` to fix it."""
    code, _, script = key.partition("_")
    candidates = [key]
    if script in SCRIPT_ALIASES:
        candidates.append(f"{code}_{SCRIPT_ALIASES[script]}")
    candidates.append(code)
    problems = []
    for candidate in candidates:
        try:
            return load_word_tokenizer(candidate)
        except (ValueError, ImportError) as e:  # unknown language / tokenizer package not installed
            problems.append(f"{candidate}: {e}")
    logger.warning(
        "no usable word tokenizer for '%s' (%s); using the multilingual one", key, "; ".join(problems)
    )
    return WhitespaceTokenizer()


def tokenizer_problem(key: str) -> str | None:
    """Why `key` has no tokenizer of its own (for `validate`), or None."""
    try:
        load_word_tokenizer(key)
    except (ValueError, ImportError) as e:
        return str(e)
    return None


@cache
def word_splitter(key: str) -> WordSplitter:
    """One splitter (and chunk cache) per tokenizer key and process."""
    return WordSplitter(key)


class WordSplitter:
    """`words(text)` == datatrove's `split_into_words(text, key)`, with a chunk cache for spaCy."""

    def __init__(self, key: str):
        self.key = key
        self.tokenizer = word_tokenizer(key)
        self._nlp = None
        self._cache: dict[str, tuple[str, ...]] | None = None
        self._whitespace_specials: re.Pattern | None = None
        self._plain: PlainChunks | None = None
        self._boundaries: ChunkBoundaries | None = None
        self._sensitive: dict[str, tuple[str, ...]] = {}  # chunks a special case could retokenize

    def _setup_cache(self) -> None:
        from spacy.tokenizer import Tokenizer

        self._cache = {}
        tok = self.tokenizer
        spacy_tok = tok._spacy_xx if type(tok) is WhitespaceTokenizer else tok  # not Burmese: a subclass
        if type(spacy_tok) is not SpaCyTokenizer or spacy_tok.config is not None:
            return  # zh, ja, vi: segmenters that see the whole text
        # A private copy of the pipeline: lexical attributes (shape, like_url...) do not change
        # where tokens split, and computing them for every new string is most of spaCy's time.
        nlp = SpaCyTokenizer(spacy_tok.language).tokenizer
        if type(nlp.tokenizer) is not Tokenizer:
            return
        nlp.vocab.lex_attr_getters = {}
        specials = [k for k in nlp.tokenizer.rules if not k.isspace() and any(c.isspace() for c in k)]
        if specials:
            self._whitespace_specials = re.compile("|".join(map(re.escape, specials)))
        self._plain = PlainChunks(nlp.tokenizer)
        self._boundaries = ChunkBoundaries(nlp)
        self._nlp = nlp

    @property
    def caches_chunks(self) -> bool:
        """False for the tokenizers that see the whole text (called as datatrove calls them)."""
        if self._cache is None:
            self._setup_cache()
        return self._nlp is not None

    def words(self, text: str) -> list[str]:
        if self._cache is None:
            self._setup_cache()
        if (
            self._nlp is None
            or "IS_ALPHA" in text  # datatrove drops this string from the whole text when spaCy chokes on it
            or (self._whitespace_specials and self._whitespace_specials.search(text))
        ):
            return self.tokenizer.word_tokenize(text)
        chunks = text.split()  # str.isspace runs, exactly spaCy's chunking
        try:
            words = list(chain.from_iterable(map(self._cache.__getitem__, chunks)))
        except KeyError:
            words = self._tokenize_unseen(chunks)
            if words is None:
                return self.tokenizer.word_tokenize(text)
        sensitive = self._sensitive
        if sensitive and not sensitive.keys().isdisjoint(chunks):
            present = sensitive.keys() & set(chunks)
            if self._boundaries.crossed(text, present, sensitive, self._cache.__getitem__):
                return self.tokenizer.word_tokenize(text)  # spaCy's special-case matcher could cross chunks
        return words

    def _tokenize_unseen(self, chunks: list[str]) -> list[str] | None:
        """The words of `chunks`, tokenizing the ones not cached yet; None if spaCy fails on them."""
        cache = self._cache
        unseen = set(chunks).difference(cache)
        if len(cache) + len(unseen) > MAX_CACHED_CHUNKS:
            cache.clear()
            self._sensitive.clear()
            unseen = set(chunks)
        if self._plain.proven:  # plain words (and words with one final mark) without spaCy
            plain_tokens, left = self._plain.tokens, []
            for chunk in unseen:
                tokens = plain_tokens(chunk)
                if tokens is None:
                    left.append(chunk)
                else:
                    cache[chunk] = tokens
            unseen = left
        if unseen:
            try:
                self._tokenize_chunks(list(unseen))
            except Exception:  # e.g. spaCy's "IS_ALPHA" bug: datatrove's own path has the workaround
                return None
        return list(chain.from_iterable(map(cache.__getitem__, chunks)))

    def _tokenize_chunks(self, chunks: list[str]) -> None:
        """Tokenize new chunks with spaCy, cache each chunk's tokens and note the chunks where spaCy's
        special-case matcher replaced or could replace tokens (plain chunks never have one)."""
        nlp, cache = self._nlp, self._cache
        joined = "\n".join(chunks)  # a newline is a token of its own: no special case matches across chunks
        if self._whitespace_specials and self._whitespace_specials.search(joined):
            with nlp.memory_zone():
                for chunk in chunks:  # a special case could span two joined chunks: one by one
                    cache[chunk] = tuple(t.text for t in nlp.tokenizer(chunk))
        else:
            self._tokenize_joined(chunks, joined)
        for chunk in chunks:
            if (tokens := self._boundaries.sensitive_tokens(chunk, cache[chunk])) is not None:
                self._sensitive[chunk] = tokens

    def _tokenize_joined(self, chunks: list[str], joined: str) -> None:
        """One spaCy call for all chunks; a token's text is its slice of `joined` (no Token objects)."""
        from spacy.attrs import IDX, LENGTH

        with self._nlp.memory_zone():
            spans = self._nlp.tokenizer(joined).to_array([IDX, LENGTH]).tolist()
        cache = self._cache
        ends = list(accumulate(len(chunk) + 1 for chunk in chunks))  # one past each chunk's separator
        k, current = 0, []
        for start, length in spans:
            while start >= ends[k]:
                cache[chunks[k]] = tuple(current)
                k, current = k + 1, []
            if start != ends[k] - 1:  # not the separator
                current.append(joined[start : start + length])
        cache[chunks[k]] = tuple(current)
