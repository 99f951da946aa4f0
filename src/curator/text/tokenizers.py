"""The word tokenizer of a language label: one resolver for filters, dedup and calibrate.

datatrove assigns a tokenizer to most `<ISO 639-3>_<ISO 15924>` labels (its
assets/tokenizer_assignment.csv). A label is resolved by trying, in this order:

1. the label itself (deu_Latn);
2. the label with its script's umbrella script (cmn_Hans -> cmn_Hani, kor_Kore -> kor_Hang), as
   datatrove's table names Chinese and Korean;
3. the ISO 639-3 code alone (jav_Java -> jav): datatrove's tokenizer for the language's default script;
4. datatrove's multilingual fallback, `WhitespaceTokenizer` (spaCy's "xx" tokenizer: splits on
   whitespace and punctuation). A profile names it `und_Cyrl`, the key datatrove assigns spaCy "xx".

A candidate is skipped when datatrove assigns it no tokenizer, when its tokenizer downloads a model
on first use (Stanza, botok: never offline, so runs would fail or hang on a cluster), or when its
Python package is not installed. Every stage asks here, so a label gets the same tokenizer object
in the filters, dedup and calibration; a language profile's `tokenizer:` key goes through the same
resolution (`LanguageProfile.tokenizer_key`).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from datatrove.utils.logging import logger
from datatrove.utils.word_tokenizers import (
    WhitespaceTokenizer,
    WordTokenizer,
    load_tokenizer_assignments,
    load_word_tokenizer,
)

from curator.core.atomic import write_json_atomic
from curator.core.compat import datatrove_distribution_index, regex_code_cache
from curator.core.errors import CuratorError
from curator.core.paths import cache_root
from curator.text.chunks import words_tokenizer

# ISO 15924 scripts that datatrove's tokenizer table names by their umbrella script.
SCRIPT_ALIASES = {"Hans": "Hani", "Hant": "Hani", "Kore": "Hang"}
# datatrove tokenizer classes that download their model at first use (never offline)
NEEDS_DOWNLOAD = frozenset({"StanzaTokenizer", "TibetanTokenizer"})
# datatrove's key for spaCy's multilingual "xx" tokenizer, the words of the WhitespaceTokenizer fallback
MULTILINGUAL_KEY = "und_Cyrl"
# what the tasks of this machine's runs met lately, read to choose what the local executor loads
# before forking (`worth_preloading`): records newer than this, the newest this many
MET_MAX_AGE_DAYS = 30
MET_RECORDS_KEPT = 256


@dataclass(frozen=True)
class TokenizerChoice:
    """How a label was resolved. `key` is what a profile's `tokenizer:` would say to get it."""

    label: str
    key: str  # the datatrove key used; MULTILINGUAL_KEY for the fallback
    description: str  # e.g. "SpaCyTokenizer(zh)"
    fallback_reason: str | None = None  # why the multilingual fallback (None: a tokenizer of the language)
    not_installed: str | None = None  # the label's own tokenizer needs a package that is missing

    @property
    def tokenizer(self) -> WordTokenizer:
        return multilingual_tokenizer() if self.fallback_reason else load_word_tokenizer(self.key)


def candidates(label: str) -> list[str]:
    """The keys tried for `label`, in order (the multilingual fallback comes after them)."""
    code, _, script = label.partition("_")
    keys = [label]
    if script in SCRIPT_ALIASES:
        keys.append(f"{code}_{SCRIPT_ALIASES[script]}")
    if code != label:
        keys.append(code)
    return keys


def _describe(key: str) -> tuple[str, str]:
    class_name, arg = load_tokenizer_assignments()[key].args  # partial(tok_factory_wrapper, class_name, arg)
    return class_name, f"{class_name}({arg})" if arg else class_name


def _problem(key: str) -> tuple[str | None, bool]:
    """Why `key` cannot be used offline (None if it can), and whether the reason is a missing package."""
    if key not in load_tokenizer_assignments():
        return "datatrove assigns no tokenizer to this language", False
    class_name, description = _describe(key)
    if class_name in NEEDS_DOWNLOAD:
        return f"{description} downloads its model on first use", False
    try:
        load_word_tokenizer(key)
    except ImportError as e:
        return f"{description} is not installed: {e}", True
    return None, False


@cache
def resolve(label: str) -> TokenizerChoice:
    """The first usable candidate of `label` (see the module's docstring). Cached per process."""
    datatrove_distribution_index()  # datatrove's package checks: one metadata scan, not one per package
    problems, not_installed = [], None
    for key in candidates(label):
        problem, missing_package = _problem(key)
        if problem is None:
            return TokenizerChoice(label, key, _describe(key)[1], not_installed=not_installed)
        if missing_package and key == label:
            not_installed = problem
        problems.append((key, problem))
    logger.warning(
        f"no usable word tokenizer for '{label}' ({'; '.join(f'{k}: {p}' for k, p in problems)}); using "
        "the multilingual one. Install the tokenizer's package or set `tokenizer` in its language profile"
    )
    reason = problems[0][1]  # the label's own: the alias and the ISO code only stand in for it
    return TokenizerChoice(label, MULTILINGUAL_KEY, _describe(MULTILINGUAL_KEY)[1], reason, not_installed)


@cache
def multilingual_tokenizer() -> WordTokenizer:
    """The fallback: one object per process, so its chunk cache and spaCy pipeline are shared."""
    return WhitespaceTokenizer()


@cache
def word_tokenizer(label: str) -> WordTokenizer:
    """The tokenizer of `label` (a language or a profile's `tokenizer:` key): the same object for a
    label everywhere in the process, as datatrove's own `load_word_tokenizer` caches its objects.
    It is datatrove's, except for the spaCy languages with a chunk cache: there a `PipelineWords`
    (same words, over the chunk cache's pipeline: the language's rules load once, not twice).

    Its model or rules are loaded here, not in the first document it splits: the caller decides
    where that start-up time is counted (the filters count it as start-up, not per document), and
    the long patterns spaCy compiles while loading come from the machine's regex cache
    (core.compat.regex_code_cache: French's tokenizer 12 s → well under a second)."""
    tokenizer = resolve(label).tokenizer
    _jieba_cache_in_cache_root(tokenizer)
    with regex_code_cache(cache_root() / "regex"):
        shared = words_tokenizer(tokenizer)  # a spaCy language's rules: loaded once, for its chunk cache too
        if shared is not None:
            return shared
        getattr(tokenizer, "tokenizer", None)  # datatrove's tokenizers load on first access of `tokenizer`
    tokenizer.word_tokenize("a")  # Kiwi loads its model at its first text (~1 s): here, not in a document
    return tokenizer


def _jieba_cache_in_cache_root(tokenizer: WordTokenizer) -> None:
    """spaCy's Chinese segmenter, jieba, builds its prefix dictionary (~2.5 s) unless it finds the
    pickled one it keeps in the temp folder, which is empty on many cluster nodes and in containers:
    keep it in curator's cache instead (jieba's `tmp_dir` setting; jieba rebuilds it when its
    dictionary is newer, so the words are the same)."""
    if "jieba" not in repr(getattr(tokenizer, "config", None)):
        return
    import jieba

    folder = cache_root() / "jieba"
    folder.mkdir(parents=True, exist_ok=True)
    jieba.dt.tmp_dir = str(folder)


def _met_dir() -> Path:
    return cache_root() / "tokenizers-met"


def record_task(met: Mapping[str, int]) -> None:
    """Record what one task's filters met: its documents per tokenizer label (one small JSON file per
    task, the newest MET_RECORDS_KEPT kept), for the next jobs' `worth_preloading`. Losing the record
    costs time only."""
    docs = sum(met.values())
    if not docs:
        return
    folder = _met_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{os.getpid()}.json"
        write_json_atomic(folder / name, {"docs": docs, "labels": dict(met)}, indent=None)
        records = sorted(folder.glob("*.json"))
        if len(records) > 2 * MET_RECORDS_KEPT:  # prune now and then, not at every task
            for old in records[:-MET_RECORDS_KEPT]:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def worth_preloading(
    tasks: int | None,
    docs_per_task: float | None = None,
    max_age_days: float = MET_MAX_AGE_DAYS,
    now: float | None = None,
) -> list[str]:
    """The tokenizer labels worth loading once before `tasks` tasks of about `docs_per_task`
    documents fork from one process: those more than one of them is expected to meet, likeliest
    first (a preload that stops at its budget keeps those). Loading a label in the parent costs one
    load; leaving it to the tasks costs one load in each task that meets it.

    From the tasks recorded on this machine in the last `max_age_days` (`record_task`): a label's
    share s of their documents, and the chance that a task of n documents meets it, 1 - (1 - s)^n
    (documents drawn independently, as Common Crawl's files mix sites). So a language that was 0.1%
    of the documents is loaded for two tasks of 2,000 pages each (86% each), not for a demo's tasks
    of 50 (5%). `docs_per_task` None: unknown, the recorded tasks' median; `tasks` None: 2."""
    oldest = (time.time() if now is None else now) - max_age_days * 86400
    sizes, docs_of = [], Counter()
    try:
        entries = [e for e in os.scandir(_met_dir()) if e.name.endswith(".json")]
    except OSError:
        return []
    for entry in entries:
        try:
            if entry.stat().st_mtime < oldest:
                continue
            record = json.loads(Path(entry.path).read_text(encoding="utf-8"))
            docs, labels = int(record["docs"]), {str(k): int(v) for k, v in record["labels"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a record pruned meanwhile or damaged: it only costs time
        sizes.append(docs)
        docs_of.update(labels)
    total = sum(sizes)
    if not total:
        return []
    n = docs_per_task if docs_per_task else sorted(sizes)[len(sizes) // 2]
    expected = {
        label: (tasks or 2) * -math.expm1(n * math.log1p(-min(c / total, 1.0)))
        for label, c in docs_of.items()
    }
    return sorted(
        (label for label, e in expected.items() if e > 1), key=lambda label: (-expected[label], label)
    )


def tokenizer_problem(key: str) -> str | None:
    """Why a profile's `tokenizer:` key has no tokenizer of its own (for `validate`), or None."""
    return _problem(key)[0]


def profile_tokenizer(label: str) -> TokenizerChoice:
    """The tokenizer `curator profiles calibrate` writes into `label`'s profile: the resolved one.

    A label whose own tokenizer's Python package is missing here raises instead of falling back:
    the profile would record this machine's install problem as the language's tokenizer."""
    choice = resolve(label)
    if choice.not_installed:
        raise CuratorError(f"word tokenizer of {label}: {choice.not_installed}; install it, then calibrate")
    return choice
