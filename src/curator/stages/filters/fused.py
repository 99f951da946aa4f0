"""Gopher repetition + FineWeb quality + Gopher quality in one pass, with each language's thresholds.

The decisions are datatrove's (GopherRepetitionFilter, then FineWebQualityFilter, then
GopherQualityFilter, configured with the same thresholds): the same rules in the same order,
including their quirks — paragraphs split on the stripped text, lines on "\\n+" for repetition,
on "\\n" without blank lines for FineWeb and with `splitlines()` for Gopher quality; "words" are
the tokenizer's tokens, punctuation included. The speed comes from splitting each document once,
a chunk cache in the tokenizer (words.py) and hashed n-grams (ngrams.py). The first failing rule
is the reason: `<family>:<datatrove's reason>`, e.g. `gopher_repetition:dup_line_frac`.
Where datatrove would divide by zero (no words), the document is removed as `<family>:empty`.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from functools import cached_property, partial
from itertools import filterfalse
from pathlib import Path
from typing import Any

from datatrove.data import Document
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION

from curator.core.docio import doc_language
from curator.core.filter_base import CuratorFilter
from curator.stages.filters.ngrams import NgramStats
from curator.text.profiles import LanguageProfile, load_profile
from curator.text.rules import FAMILIES, Rule, apply_config, enabled, family_enabled, rule
from curator.text.tokenizers import record_task
from curator.text.words import WordSplitter, preload_splitters, word_splitter

PARAGRAPH_BREAK = re.compile(r"\n{2,}")
BULLETS = ("•", "-")
ELLIPSES = ("...", "…")
DEFAULT_STOP_CHARS = tuple(TERMINAL_PUNCTUATION)
PUNCTUATION_HAS_LETTERS = any(map(str.isalpha, PUNCTUATION_SET))


def count_duplicates(items: list[str]) -> tuple[int, int]:
    """datatrove's find_duplicates: (repeated items, their characters), every occurrence after the first."""
    counts = Counter(items)
    if len(counts) == len(items):
        return 0, 0
    return len(items) - len(counts), sum(len(item) * (n - 1) for item, n in counts.items() if n > 1)


def _has_letter(word: str) -> bool:
    return any(map(str.isalpha, word))


class _Text:
    """One document's text and its splits, each computed once and shared by the three families."""

    def __init__(self, text: str, splitter: WordSplitter):
        self.text = text
        self._splitter = splitter

    @cached_property
    def words(self) -> list[str]:
        return self._splitter.words(self.text)

    @cached_property
    def newline_parts(self) -> list[str]:
        return self.text.split("\n")

    def paragraphs(self) -> list[str]:
        r"""datatrove's re.split(r"\n{2,}", text.strip())."""
        stripped = self.text.strip()
        return PARAGRAPH_BREAK.split(stripped) if "\n\n" in stripped else [stripped]

    def newline_runs(self) -> list[str]:
        r"""datatrove's re.split("\n+", text): blank parts only at the ends (str.split is ~4x faster)."""
        parts = self.newline_parts
        return parts if len(parts) <= 2 else [parts[0], *filter(None, parts[1:-1]), parts[-1]]


class Limit:
    """One enabled rule of one language: its threshold, its comparison and its reasons (its row)."""

    __slots__ = ("fails", "reason", "reasons", "rule", "threshold")

    def __init__(self, rule: Rule, threshold: float):
        self.rule, self.threshold = rule, threshold
        self.reasons = rule.reasons
        self.reason = rule.reason
        # `fails(value)`: threshold < value ("max") or threshold > value ("min"), one C call
        self.fails = partial(operator.lt if rule.removes_above else operator.gt, threshold)


class NgramLimits:
    """An n-gram list rule of one language: (n, fraction) pairs, its row's direction and reason."""

    __slots__ = ("ns", "pairs", "rule")

    def __init__(self, rule: Rule, pairs: list[tuple[int, float]]):
        self.rule, self.pairs = rule, list(pairs)
        self.ns = [n for n, _ in self.pairs]

    def reason(self, n: int) -> str:
        return self.rule.reason.format(n=n)


def _limit(profile: LanguageProfile, name: str) -> Limit | None:
    """The rule's limit, or None where datatrove skips the rule (threshold None, or 0 in the Gopher
    families)."""
    row = rule(name)
    threshold = getattr(profile, name)
    return Limit(row, threshold) if enabled(row, threshold) else None


def _ngram_limits(profile: LanguageProfile, name: str) -> NgramLimits | None:
    row = rule(name)
    pairs = getattr(profile, name)
    return NgramLimits(row, pairs) if enabled(row, pairs) else None


class LanguageRules:
    """One language's rules (rows of text/rules.py with the profile's thresholds, after the config)
    and word splitter; `first_failure(text)`."""

    def __init__(self, profile: LanguageProfile):
        self.profile = p = profile
        self.splitter = word_splitter(profile.tokenizer_key)
        self.repetition = family_enabled(p, "gopher_repetition")
        self.fineweb = family_enabled(p, "fineweb_quality")
        self.quality = family_enabled(p, "gopher_quality")
        self.stop_chars = tuple(p.stop_chars) if p.stop_chars is not None else DEFAULT_STOP_CHARS
        self.stopwords = frozenset(p.stopwords)
        self.short_line_length = p.short_line_length
        self.line_punct_exclude_zero = p.line_punct_exclude_zero
        for name in FAMILIES["gopher_repetition"] + FAMILIES["fineweb_quality"] + FAMILIES["gopher_quality"]:
            limit = _ngram_limits(p, name) if rule(name).kind is list else _limit(p, name)
            setattr(self, name, limit)

    def first_failure(self, text: str) -> str | None:
        """The reason of the first rule the text fails, in datatrove's order, or None to keep it."""
        doc = _Text(text, self.splitter)
        for enabled_, family, check in (
            (self.repetition, "gopher_repetition:", self._repetition),
            (self.fineweb, "fineweb_quality:", self._fineweb),
            (self.quality, "gopher_quality:", self._quality),
        ):
            if enabled_ and (reason := check(doc)):
                return family + reason
        return None

    def _repetition(self, doc: _Text) -> str | None:
        text = doc.text
        if not text:
            return "empty"
        size = len(text)
        para, para_char = self.dup_para_frac, self.dup_para_char_frac
        if para or para_char:
            paragraphs = doc.paragraphs()
            repeated, chars = count_duplicates(paragraphs)
            if para and para.fails(repeated / len(paragraphs)):
                return para.reason
            if para_char and para_char.fails(chars / size):
                return para_char.reason
        line, line_char = self.dup_line_frac, self.dup_line_char_frac
        if line or line_char:
            lines = doc.newline_runs()
            repeated, chars = count_duplicates(lines)
            if line and line.fails(repeated / len(lines)):
                return line.reason
            if line_char and line_char.fails(chars / size):
                return line_char.reason
        top, duplicated = self.top_n_grams, self.dup_n_grams
        if not (top or duplicated):
            return None
        ngrams = NgramStats(doc.words)
        # Each bound is at least the exact number: below a maximum, the exact one is too (a minimum
        # has no such shortcut: the exact number decides).
        top_bounds, duplicated_bounds = ngrams.bounds(
            top.ns if top else [], duplicated.ns if duplicated else []
        )
        if top:
            above = top.rule.removes_above
            for (n, fraction), bound in zip(top.pairs, top_bounds, strict=True):
                if not above or bound / size > fraction:
                    exact = ngrams.top_duplicate_chars(n)
                    if exact is not None and top.rule.fails(exact / size, fraction):
                        return top.reason(n)
        if duplicated:
            above = duplicated.rule.removes_above
            for (n, fraction), bound in zip(duplicated.pairs, duplicated_bounds, strict=True):
                if (not above or bound / size > fraction) and duplicated.rule.fails(
                    ngrams.duplicated_chars(n) / size, fraction
                ):
                    return duplicated.reason(n)
        return None

    def _fineweb(self, doc: _Text) -> str | None:
        text = doc.text
        lines = list(filter(str.strip, doc.newline_parts))  # datatrove: lines whose strip() is not ""
        if not lines:
            return "empty"
        if punct := self.line_punct_thr:
            ratio = sum(1 for line in lines if line.endswith(self.stop_chars)) / len(lines)
            if punct.fails(ratio) and not (ratio == 0 and self.line_punct_exclude_zero):
                return punct.reason
        if short := self.short_line_thr:
            ratio = sum(1 for line in lines if len(line) <= self.short_line_length) / len(lines)
            if short.fails(ratio):
                return short.reason
        if char_dup := self.char_duplicates_ratio:
            if char_dup.fails(count_duplicates(lines)[1] / len(text.replace("\n", ""))):
                return char_dup.reason
        if new_line := self.new_line_ratio:
            if not doc.words:
                return "empty"
            if new_line.fails(text.count("\n") / len(doc.words)):
                return new_line.reason
        return None

    def _quality(self, doc: _Text) -> str | None:
        text, words = doc.text, doc.words
        n_words = len(words)
        counts = Counter(words)
        # Few distinct words lack a letter, and only those can be punctuation only (datatrove's
        # PUNCTUATION_SET has no letter): the statistics of all words are the totals minus theirs.
        letterless = [word for word in filterfalse(str.isalpha, counts) if not _has_letter(word)]
        maybe_symbols = counts if PUNCTUATION_HAS_LETTERS else letterless
        symbols = [word for word in maybe_symbols if PUNCTUATION_SET.issuperset(word)]
        n_non_symbol = n_words - sum(counts[word] for word in symbols)
        if (short := self.min_doc_words) and short.fails(n_non_symbol):
            return short.reason
        if (long := self.max_doc_words) and long.fails(n_non_symbol):
            return long.reason
        min_length, max_length = self.min_avg_word_length, self.max_avg_word_length
        if n_non_symbol and (min_length or max_length):  # no words: mean is NaN, passes
            symbol_chars = sum(len(word) * counts[word] for word in symbols)
            mean_length = (sum(map(len, words)) - symbol_chars) / n_non_symbol
            if min_length and min_length.fails(mean_length):
                return min_length.reason
            if max_length and max_length.fails(mean_length):
                return max_length.reason
        if symbol := self.max_symbol_word_ratio:
            if not n_words:
                return "empty"
            if symbol.fails(text.count("#") / n_words):
                return symbol.reasons[0]
            if symbol.fails((text.count("...") + text.count("…")) / n_words):
                return symbol.reasons[1]
        bullets, ellipses = self.max_bullet_lines_ratio, self.max_ellipsis_lines_ratio
        if bullets or ellipses:
            lines = text.splitlines()
            if not lines:
                return "empty"
            if bullets:
                n_bullets = sum(1 for line in lines if line.lstrip().startswith(BULLETS))
                if bullets.fails(n_bullets / len(lines)):
                    return bullets.reason
            if ellipses:
                n_ellipses = sum(1 for line in lines if line.rstrip().endswith(ELLIPSES))
                if ellipses.fails(n_ellipses / len(lines)):
                    return ellipses.reason
        if alpha := self.max_non_alpha_words_ratio:
            if not n_words:
                return "empty"
            with_letters = n_words - sum(counts[word] for word in letterless)
            if alpha.fails(with_letters / n_words):
                return alpha.reason
        if (stop := self.min_stop_words) and stop.fails(len(self.stopwords.intersection(counts))):
            return stop.reason
        return None


class FusedHeuristicFilter(CuratorFilter):
    """The three heuristic filter families for every document, with its language's profile."""

    name = "🧹 heuristics"

    def __init__(
        self,
        profiles_dir: str | Path | None = None,
        disable: list[str] | None = None,
        overrides: dict[str, Any] | None = None,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer=exclusion_writer)
        self.profiles_dir = profiles_dir
        self.disable = list(disable or [])
        self.overrides = dict(overrides or {})
        self._languages: dict[str, LanguageRules] = {}

    def rules_for(self, language: str) -> LanguageRules:
        rules = self._languages.get(language)
        if rules is None:
            profile = apply_config(load_profile(language, self.profiles_dir), self.disable, self.overrides)
            rules = self._languages[language] = LanguageRules(profile)
        return rules

    def preload(self, tasks: int | None = None, docs_per_task: float | None = None) -> None:
        """Before the local executor forks the tasks: the word tokenizers that more than one of them
        is expected to meet (text.tokenizers.worth_preloading, from what this machine's tasks met),
        loaded once for all of them. A language a task meets that is not among them loads in its
        `prepare`, counted as start-up. Not for a single task: it would load in the parent what it
        loads itself, plus languages it may not meet."""
        if tasks is None or tasks > 1:
            preload_splitters(tasks=tasks, docs_per_task=docs_per_task)

    def setup(self) -> None:
        self._met: Counter[str] = Counter()  # this task's documents per tokenizer label

    def prepare(self, doc: Document) -> None:
        """A new language's profile and word tokenizer (spaCy rules, a dictionary, a model: up to
        seconds) load here, counted as start-up, not in the document's time; each document is
        counted under its tokenizer, for the task's record (`finish`)."""
        language = doc_language(doc)
        self._met[self.rules_for(language).profile.tokenizer_key] += 1

    def finish(self) -> None:
        """The languages this task met, recorded for the next jobs' preload (text.tokenizers.record_task)."""
        record_task(self._met)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        reason = self.rules_for(doc_language(doc)).first_failure(doc.text)
        return True if reason is None else (False, reason)
