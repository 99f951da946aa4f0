"""Words of a document with datatrove's tokenizer for its language, computed once and fast.

datatrove's heuristic filters split a document into words with the language's word tokenizer. For
spaCy's rule-based tokenizer that costs most of the filters' time, because datatrove runs the
whole blank pipeline (with a sentencizer) inside a `memory_zone` that throws spaCy's own cache
away after every document. spaCy tokenizes each whitespace-separated chunk on its own, so the
words of a document are the concatenation of the words of its chunks (chunks.py caches them).
Two things cross chunks: special cases that contain whitespace (e.g. Spanish "EE. UU.") and
spaCy's special-case matcher joining tokens of chunks one space apart (spacy_rules.ChunkBoundaries);
a document where either could happen goes through datatrove's own tokenization, as does a
document for a tokenizer that sees the whole text (Thai, Chinese, Japanese, Indic...).
"""

from __future__ import annotations

import os
import time
from functools import cache
from itertools import chain

from datatrove.utils.logging import logger

from curator.text.chunks import chunk_tokens, make_room
from curator.text.tokenizers import word_tokenizer, worth_preloading


@cache
def word_splitter(label: str) -> WordSplitter:
    """One splitter per label and process (the chunk cache behind it is per spaCy language)."""
    return WordSplitter(label)


PRELOAD_MAX_MB = 1500  # memory a preload may add to the process (Korean's Kiwi alone: ~450 MB)
PRELOAD_MAX_SECONDS = 30.0  # time it may take: the tasks wait for it (the bench file's 18 languages: ~8 s)


def preload_splitters(
    labels: list[str] | None = None,
    tasks: int | None = None,
    docs_per_task: float | None = None,
    max_mb: float = PRELOAD_MAX_MB,
    max_seconds: float = PRELOAD_MAX_SECONDS,
) -> list[str]:
    """Load the splitters (tokenizer + chunk cache) of `labels`, by default those worth loading once
    for `tasks` tasks of about `docs_per_task` documents (tokenizers.worth_preloading: expected in
    more than one of them, likeliest first), and return the labels loaded. Called where the local
    executor forks a job's tasks: each task then finds them loaded (shared copy-on-write: loaded
    once for all workers) instead of loading each in its first document of the language (Korean
    ~2 s, Indonesian ~3 s). Stops once it took `max_seconds` or the process grew by `max_mb`: the
    estimate comes from other runs, and a task loads what it lacks itself. A label that fails to
    load is left to the task, which reports it where a document needs it."""
    loaded, start_mb, start = [], _rss_mb(), time.perf_counter()
    for label in worth_preloading(tasks, docs_per_task) if labels is None else labels:
        grown = (_rss_mb() or 0) - start_mb if start_mb is not None else 0
        if grown > max_mb or time.perf_counter() - start > max_seconds:
            logger.info(
                f"preload: stopped after {len(loaded)} word tokenizers ({grown:.0f} MB, "
                f"{time.perf_counter() - start:.1f} s), before '{label}': tasks load the others they meet"
            )
            break
        try:
            word_splitter(label)
        except Exception as e:  # noqa: BLE001 -- the task meets it again and reports it there
            logger.debug(f"preload: word tokenizer '{label}' not loaded ({type(e).__name__}: {e})")
            continue
        loaded.append(label)
    return loaded


def _rss_mb() -> float | None:
    """This process's resident memory (Linux), or None where /proc is missing."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


class WordSplitter:
    """`words(text)` == datatrove's `split_into_words(text, tokenizer)`, with the chunk cache for spaCy."""

    def __init__(self, label: str):
        self.label = label
        self.tokenizer = word_tokenizer(label)
        self.chunks = chunk_tokens(self.tokenizer)

    @property
    def caches_chunks(self) -> bool:
        """False for the tokenizers that see the whole text (called as datatrove calls them)."""
        return self.chunks is not None

    def words(self, text: str) -> list[str]:
        chunks = self.chunks
        if (
            chunks is None
            or "IS_ALPHA" in text  # datatrove drops this string from the whole text when spaCy chokes on it
            or (chunks.whitespace_specials and chunks.whitespace_specials.search(text))
        ):
            return self.tokenizer.word_tokenize(text)
        pieces = text.split()  # str.isspace runs, exactly spaCy's chunking
        cache = chunks.cache
        try:
            words = list(chain.from_iterable(map(cache.__getitem__, pieces)))
        except KeyError:
            make_room(len(set(pieces).difference(cache)))
            try:
                chunks.fill(pieces)
            except Exception:  # e.g. spaCy's "IS_ALPHA" bug: datatrove's own path has the workaround
                return self.tokenizer.word_tokenize(text)
            words = list(chain.from_iterable(map(cache.__getitem__, pieces)))
        sensitive = chunks.sensitive
        if sensitive and not sensitive.keys().isdisjoint(pieces):
            present = sensitive.keys() & set(pieces)
            if chunks.boundaries.crossed(text, present, sensitive, cache.__getitem__):
                return self.tokenizer.word_tokenize(text)  # spaCy's special-case matcher could cross chunks
        return words
