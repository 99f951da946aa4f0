"""Per-document values of every filter metric, computed exactly as datatrove's filters compute them.

GopherRepetitionFilter, FineWebQualityFilter and GopherQualityFilter each compare one number per rule
with a threshold; calibrating a threshold means knowing the distribution of that number per language.
The helpers come from datatrove itself so a value here is the value the filter sees. The names are
the `metric`s of the rule table (text/rules.py), which says which rule compares which one; the
n-gram sizes and the short-line length are the table's defaults, read at call time.
"""

from __future__ import annotations

import re

from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_duplicates,
    find_top_duplicate,
    get_n_grams,
)
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION

from curator.text.rules import rule, setting

_PARAGRAPHS = re.compile(r"\n{2,}")
_LINES = re.compile("\n+")
_STOP_CHARS = tuple(TERMINAL_PUNCTUATION)


def repetition_metrics(text: str, words: list[str]) -> dict[str, float]:
    """GopherRepetitionFilter's ratios (its `filter`, without the early returns)."""
    paragraphs = _PARAGRAPHS.split(text.strip())
    para_dups, para_dup_chars = find_duplicates(paragraphs)
    lines = _LINES.split(text)
    line_dups, line_dup_chars = find_duplicates(lines)
    values = {
        "dup_para_frac": para_dups / len(paragraphs),
        "dup_para_char_frac": para_dup_chars / len(text),
        "dup_line_frac": line_dups / len(lines),
        "dup_line_char_frac": line_dup_chars / len(text),
    }
    top, duplicated = rule("top_n_grams"), rule("dup_n_grams")
    for n, _ in top.default:
        n_grams = get_n_grams(words, n)
        values[top.metric.format(n=n)] = find_top_duplicate(n_grams) / len(text) if n_grams else 0.0
    for n, _ in duplicated.default:
        values[duplicated.metric.format(n=n)] = find_all_duplicate(words, n) / len(text)
    return values


def fineweb_metrics(text: str, words: list[str]) -> dict[str, float]:
    """FineWebQualityFilter's ratios, with its default stop characters and the default short-line length."""
    lines = [line for line in text.split("\n") if line.strip() != ""]
    short = setting("short_line_length").default
    return {
        "line_punct_ratio": sum(1 for line in lines if line.endswith(_STOP_CHARS)) / len(lines),
        "short_line_ratio": sum(1 for line in lines if len(line) <= short) / len(lines),
        "char_dup_ratio": find_duplicates(lines)[1] / max(1, len(text.replace("\n", ""))),
        "new_line_ratio": text.count("\n") / max(1, len(words)),
    }


def gopher_quality_metrics(text: str, words: list[str]) -> dict[str, float]:
    """GopherQualityFilter's counts and ratios (stop words are counted later, once they are chosen)."""
    non_symbol = [w for w in words if any(ch not in PUNCTUATION_SET for ch in w)]
    n_words = max(1, len(words))
    lines = text.splitlines() or [""]
    return {
        "doc_words": float(len(non_symbol)),
        "avg_word_length": sum(len(w) for w in non_symbol) / len(non_symbol) if non_symbol else 0.0,
        "symbol_word_ratio": max(text.count("#"), text.count("...") + text.count("…")) / n_words,
        "bullet_lines_ratio": sum(s.lstrip().startswith(("•", "-")) for s in lines) / len(lines),
        "ellipsis_lines_ratio": sum(s.rstrip().endswith(("...", "…")) for s in lines) / len(lines),
        "alpha_words_ratio": sum(any(c.isalpha() for c in w) for w in words) / n_words,
    }


def document_metrics(text: str, words: list[str]) -> dict[str, float]:
    """All metrics of one non-empty document, given its words from the language's word tokenizer."""
    return {
        **repetition_metrics(text, words),
        **fineweb_metrics(text, words),
        **gopher_quality_metrics(text, words),
    }


def stop_word_count(words: set[str], stopwords: set[str]) -> int:
    """GopherQualityFilter's stop-word rule counts distinct stop words present (case-sensitive)."""
    return len(stopwords & words)
