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

import re
from collections import Counter
from pathlib import Path
from typing import Any

from datatrove.data import Document
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION

from curator.filters.ngrams import NgramStats
from curator.filters.rules import apply_config, family_enabled
from curator.filters.words import word_splitter
from curator.profiles import LanguageProfile, load_profile
from curator.steps.docio import doc_language
from curator.steps.filter_base import CuratorFilter

PARAGRAPH_BREAK = re.compile(r"\n{2,}")
LINE_BREAKS = re.compile("\n+")
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


class LanguageRules:
    """One language's thresholds (profile + config) and word splitter; `first_failure(text)`."""

    def __init__(self, profile: LanguageProfile):
        self.profile = p = profile
        self.splitter = word_splitter(profile.tokenizer_key)
        self.repetition = family_enabled(p, "gopher_repetition")
        self.fineweb = family_enabled(p, "fineweb_quality")
        self.quality = family_enabled(p, "gopher_quality")
        self.stop_chars = tuple(p.stop_chars) if p.stop_chars is not None else DEFAULT_STOP_CHARS
        self.stopwords = frozenset(p.stopwords)

    def first_failure(self, text: str) -> str | None:
        """The reason of the first rule the text fails, in datatrove's order, or None to keep it."""
        words = None
        if self.repetition:
            reason, words = self._repetition(text)
            if reason:
                return "gopher_repetition:" + reason
        if self.fineweb:
            reason, words = self._fineweb(text, words)
            if reason:
                return "fineweb_quality:" + reason
        if self.quality:
            reason = self._quality(text, words if words is not None else self.splitter.words(text))
            if reason:
                return "gopher_quality:" + reason
        return None

    def _repetition(self, text: str) -> tuple[str | None, list[str] | None]:
        p = self.profile
        if not text:
            return "empty", None
        size = len(text)
        if p.dup_para_frac or p.dup_para_char_frac:
            paragraphs = PARAGRAPH_BREAK.split(text.strip())
            repeated, chars = count_duplicates(paragraphs)
            if p.dup_para_frac and repeated / len(paragraphs) > p.dup_para_frac:
                return "dup_para_frac", None
            if p.dup_para_char_frac and chars / size > p.dup_para_char_frac:
                return "dup_para_char_frac", None
        if p.dup_line_frac or p.dup_line_char_frac:
            lines = LINE_BREAKS.split(text)
            repeated, chars = count_duplicates(lines)
            if p.dup_line_frac and repeated / len(lines) > p.dup_line_frac:
                return "dup_line_frac", None
            if p.dup_line_char_frac and chars / size > p.dup_line_char_frac:
                return "dup_line_char_frac", None
        if not (p.top_n_grams or p.dup_n_grams):
            return None, None
        words = self.splitter.words(text)
        ngrams = NgramStats(words)
        # Each bound is at least the exact number: below the threshold, the exact one is too.
        if p.top_n_grams:
            bounds = ngrams.top_duplicate_bounds([n for n, _ in p.top_n_grams])
            for (n, fraction), bound in zip(p.top_n_grams, bounds, strict=True):
                if bound / size > fraction:
                    top = ngrams.top_duplicate_chars(n)
                    if top is not None and top / size > fraction:
                        return f"top_{n}_gram", words
        if p.dup_n_grams:
            bounds = ngrams.duplicated_bounds([n for n, _ in p.dup_n_grams])
            for (n, fraction), bound in zip(p.dup_n_grams, bounds, strict=True):
                if bound / size > fraction and ngrams.duplicated_chars(n) / size > fraction:
                    return f"duplicated_{n}_n_grams", words
        return None, words

    def _fineweb(self, text: str, words: list[str] | None) -> tuple[str | None, list[str] | None]:
        p = self.profile
        lines = [line for line in text.split("\n") if line.strip() != ""]
        if not lines:
            return "empty", words
        if p.line_punct_thr is not None:
            ratio = sum(1 for line in lines if line.endswith(self.stop_chars)) / len(lines)
            if ratio < p.line_punct_thr and not (ratio == 0 and p.line_punct_exclude_zero):
                return "line_punct_ratio", words
        if p.short_line_thr is not None:
            ratio = sum(1 for line in lines if len(line) <= p.short_line_length) / len(lines)
            if ratio > p.short_line_thr:
                return "short_line_ratio", words
        if p.char_duplicates_ratio is not None:
            if count_duplicates(lines)[1] / len(text.replace("\n", "")) > p.char_duplicates_ratio:
                return "char_dup_ratio", words
        if p.new_line_ratio is not None:
            if words is None:
                words = self.splitter.words(text)
            if not words:
                return "empty", words
            if text.count("\n") / len(words) > p.new_line_ratio:
                return "list_ratio", words
        return None, words

    def _quality(self, text: str, words: list[str]) -> str | None:
        p = self.profile
        n_words = len(words)
        counts = Counter(words)
        # Few distinct words lack a letter, and only those can be punctuation only (datatrove's
        # PUNCTUATION_SET has no letter): the statistics of all words are the totals minus theirs.
        letterless = [word for word in counts if not word.isalpha() and not _has_letter(word)]
        maybe_symbols = counts if PUNCTUATION_HAS_LETTERS else letterless
        symbols = [word for word in maybe_symbols if PUNCTUATION_SET.issuperset(word)]
        n_non_symbol = n_words - sum(counts[word] for word in symbols)
        if p.min_doc_words and n_non_symbol < p.min_doc_words:
            return "gopher_short_doc"
        if p.max_doc_words and n_non_symbol > p.max_doc_words:
            return "gopher_long_doc"
        if n_non_symbol and (p.min_avg_word_length or p.max_avg_word_length):  # no words: mean is NaN, passes
            symbol_chars = sum(len(word) * counts[word] for word in symbols)
            mean_length = (sum(map(len, words)) - symbol_chars) / n_non_symbol
            if p.min_avg_word_length and mean_length < p.min_avg_word_length:
                return "gopher_below_avg_threshold"
            if p.max_avg_word_length and mean_length > p.max_avg_word_length:
                return "gopher_above_avg_threshold"
        if p.max_symbol_word_ratio:
            if not n_words:
                return "empty"
            if text.count("#") / n_words > p.max_symbol_word_ratio:
                return "gopher_too_many_hashes"
            if (text.count("...") + text.count("…")) / n_words > p.max_symbol_word_ratio:
                return "gopher_too_many_ellipsis"
        if p.max_bullet_lines_ratio or p.max_ellipsis_lines_ratio:
            lines = text.splitlines()
            if not lines:
                return "empty"
            if p.max_bullet_lines_ratio:
                bullets = sum(1 for line in lines if line.lstrip().startswith(BULLETS))
                if bullets / len(lines) > p.max_bullet_lines_ratio:
                    return "gopher_too_many_bullets"
            if p.max_ellipsis_lines_ratio:
                ellipses = sum(1 for line in lines if line.rstrip().endswith(ELLIPSES))
                if ellipses / len(lines) > p.max_ellipsis_lines_ratio:
                    return "gopher_too_many_end_ellipsis"
        if p.max_non_alpha_words_ratio:
            if not n_words:
                return "empty"
            with_letters = n_words - sum(counts[word] for word in letterless)
            if with_letters / n_words < p.max_non_alpha_words_ratio:
                return "gopher_below_alpha_threshold"
        if p.min_stop_words and len(self.stopwords.intersection(counts)) < p.min_stop_words:
            return "gopher_enough_stop_words"
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

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        reason = self.rules_for(doc_language(doc)).first_failure(doc.text)
        return True if reason is None else (False, reason)
