"""Stat keys: the one module that writes them (in steps) and parses them back (core.stats).

datatrove keeps a step's counts as flat string keys; `stats/<stage>.json` is rebuilt from them. So the
key format is a contract between every step and the stats builder, and it lives only here:

  docs_in / docs_out / chars_in / chars_out        stage entry and exit counts (COUNTERS)
  lang/<language>/<counter>                          the same per language
  removed/<reason>, lang/<language>/removed/<reason> documents a step removed
  skipped/<reason>                                   input records never turned into documents
  file_error/<reason>                                input files that could not be (fully) read
  peak_<name>                                        a per-task maximum (memory): the stage keeps the largest
  startup_seconds                                    seconds a step spent loading (lists, models, tokenizers)
                                                     before its first document and for new languages, summed
  <name>[/<detail>]                                  any other metric, summed
  lang/<language>/<name>                             a per-language metric (not kept in stats/*.json)

A language in a key must be a language label (core.names): a value with the separator in it would be
filed under another language, so `lang_key` refuses it (callers validate labels where they enter).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from curator.core.names import UNDETERMINED_LANGUAGE, check_language_label

if TYPE_CHECKING:
    from datatrove.data import Document


class Counts(Protocol):
    """What counting needs of a step (datatrove's PipelineStep.stat_update). Typed structurally so
    this module imports no datatrove: `curator status` and stats rebuilding parse keys without it."""

    def stat_update(self, *labels: str, value: int = 1, unit: str | None = None) -> None: ...


SEP = "/"
COUNTERS = ("docs_in", "docs_out", "chars_in", "chars_out")
LANG = "lang"
REMOVED = "removed"
SKIPPED = "skipped"
FILE_ERROR = "file_error"
PEAK_PREFIX = "peak_"
# The stage of a pipeline step that only moves documents (guard, readers of earlier outputs, writers):
# its stats belong to no stage. Persisted in run.json's `step_stages`, so the value never changes.
IO_STEP = "_io"


class KeyKind(enum.Enum):
    COUNTER = "counter"  # docs_in, docs_out, chars_in, chars_out
    REMOVED = "removed"
    SKIPPED = "skipped"
    FILE_ERROR = "file_error"
    PEAK = "peak"
    METRIC = "metric"


@dataclass(frozen=True)
class StatKey:
    """A parsed stat key. `name`: the counter, reason or metric; `language`: set for lang/<l>/ keys."""

    kind: KeyKind
    name: str
    language: str | None = None


def _lang_prefix(language: str | None) -> str:
    return (
        "" if language is None else f"{LANG}{SEP}{check_language_label(language, 'stat key language')}{SEP}"
    )


def counter_key(counter: str, language: str | None = None) -> str:
    if counter not in COUNTERS:
        raise ValueError(f"{counter!r} is not one of {COUNTERS}")
    return _lang_prefix(language) + counter


def removed_key(reason: str, language: str | None = None) -> str:
    return f"{_lang_prefix(language)}{REMOVED}{SEP}{reason}"


def skipped_key(reason: str) -> str:
    return f"{SKIPPED}{SEP}{reason}"


def file_error_key(reason: str) -> str:
    return f"{FILE_ERROR}{SEP}{reason}"


def peak_key(name: str) -> str:
    """A per-task maximum, e.g. peak_key('rss_mb') = 'peak_rss_mb'."""
    return PEAK_PREFIX + name


def metric_key(name: str, detail: str | None = None, language: str | None = None) -> str:
    """Any other count: `name`, `name/detail` (e.g. extract/timeout), or per language."""
    if name.split(SEP, 1)[0] in (LANG, REMOVED, SKIPPED, FILE_ERROR) or name in COUNTERS:
        raise ValueError(f"metric name {name!r} would be read back as another kind of key")
    return _lang_prefix(language) + name + (f"{SEP}{detail}" if detail is not None else "")


def parse_key(key: str) -> StatKey:
    """The inverse of the builders above (a language never contains SEP, so the split is exact)."""
    language = None
    rest = key
    if key.startswith(LANG + SEP):
        _, language, rest = key.split(SEP, 2) if key.count(SEP) >= 2 else (None, None, key)
        if language is None:
            return StatKey(KeyKind.METRIC, key)
    head, _, tail = rest.partition(SEP)
    if rest in COUNTERS:
        return StatKey(KeyKind.COUNTER, rest, language)
    if head == REMOVED and tail:
        return StatKey(KeyKind.REMOVED, tail, language)
    if language is None:
        if head == SKIPPED and tail:
            return StatKey(KeyKind.SKIPPED, tail)
        if head == FILE_ERROR and tail:
            return StatKey(KeyKind.FILE_ERROR, tail)
        if rest.startswith(PEAK_PREFIX):
            return StatKey(KeyKind.PEAK, rest)
    return StatKey(KeyKind.METRIC, rest, language)


def count_removed(step: Counts, doc: Document, reason: str) -> None:
    """Count one removed document with its reason, overall and for its language; tag the doc."""
    doc.metadata["reason"] = reason
    language = doc.metadata.get("language") or UNDETERMINED_LANGUAGE
    step.stat_update(removed_key(reason), removed_key(reason, language))


def count_skipped(step: Counts, reason: str, n: int = 1) -> None:
    """Count input records that never became documents (non-HTML, bad encoding, unreadable file...)."""
    step.stat_update(skipped_key(reason), value=n)


def count_file_error(step: Counts, reason: str) -> None:
    """Count an input file that could not be read (or only partly): the other files go on."""
    step.stat_update(file_error_key(reason))


def count_documents(step: Counts, where: str, language: str, docs: int, chars: int) -> None:
    """docs_<where> and chars_<where>, overall and for the language (where: 'in' or 'out')."""
    docs_key, chars_key = f"docs_{where}", f"chars_{where}"
    step.stat_update(counter_key(docs_key), counter_key(docs_key, language), value=docs)
    step.stat_update(counter_key(chars_key), counter_key(chars_key, language), value=chars)


STARTUP = "startup_seconds"


def startup_key() -> str:
    """Seconds of a step's start-up in a task (summed over the stage's steps and tasks)."""
    return metric_key(STARTUP)


def record_startup(step: Counts, seconds: float) -> None:
    """A step's start-up in this task: its loads before the first document and for each new language,
    and its first document's time (where a step loads lazily). Per stage: stats/<stage>.json's
    metrics.startup_seconds is the sum over tasks; logs/<job>/stats/<rank>.json has each task's."""
    step.stat_update(startup_key(), value=round(seconds, 4))


def record_peak(step: Counts, name: str, value: float) -> None:
    """A per-task maximum (e.g. memory): stats/<stage>.json keeps the largest over tasks."""
    step.stat_update(peak_key(name), value=value, unit="task")
