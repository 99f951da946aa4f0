"""datatrove's own filter chain configured from a language profile: what the fused filter must equal.

Used by the agreement tests and `scripts/bench/filters.py`. FineWebQualityFilter has no "off"
for a threshold, so a None threshold becomes a value that can never fail.
"""

from __future__ import annotations

import math

from datatrove.data import Document
from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result

from curator.core.profiles import LanguageProfile
from curator.text.tokenizers import word_tokenizer

FAMILY_OF = {
    GopherRepetitionFilter: "gopher_repetition",
    FineWebQualityFilter: "fineweb_quality",
    GopherQualityFilter: "gopher_quality",
}


def datatrove_chain(profile: LanguageProfile) -> list[BaseFilter]:
    """GopherRepetitionFilter, FineWebQualityFilter, GopherQualityFilter with the profile's thresholds."""
    p = profile
    language = word_tokenizer(p.tokenizer_key)  # datatrove accepts a tokenizer object as `language`
    return [
        GopherRepetitionFilter(
            dup_line_frac=p.dup_line_frac,
            dup_para_frac=p.dup_para_frac,
            dup_line_char_frac=p.dup_line_char_frac,
            dup_para_char_frac=p.dup_para_char_frac,
            top_n_grams=tuple(p.top_n_grams),
            dup_n_grams=tuple(p.dup_n_grams),
            language=language,
        ),
        FineWebQualityFilter(
            line_punct_thr=-math.inf if p.line_punct_thr is None else p.line_punct_thr,
            line_punct_exclude_zero=p.line_punct_exclude_zero,
            stop_chars=tuple(p.stop_chars) if p.stop_chars is not None else None,
            short_line_thr=math.inf if p.short_line_thr is None else p.short_line_thr,
            short_line_length=p.short_line_length,
            char_duplicates_ratio=math.inf if p.char_duplicates_ratio is None else p.char_duplicates_ratio,
            new_line_ratio=math.inf if p.new_line_ratio is None else p.new_line_ratio,
            language=language,
        ),
        GopherQualityFilter(
            min_doc_words=p.min_doc_words,
            max_doc_words=p.max_doc_words,
            min_avg_word_length=p.min_avg_word_length,
            max_avg_word_length=p.max_avg_word_length,
            max_symbol_word_ratio=p.max_symbol_word_ratio,
            max_bullet_lines_ratio=p.max_bullet_lines_ratio,
            max_ellipsis_lines_ratio=p.max_ellipsis_lines_ratio,
            max_non_alpha_words_ratio=p.max_non_alpha_words_ratio,
            min_stop_words=p.min_stop_words,
            stop_words=list(p.stopwords),
            language=language,
        ),
    ]


def chain_first_failure(chain: list[BaseFilter], doc: Document) -> str | None:
    """Run the chain on one document: the first removal as `<family>:<reason>`, or None if kept."""
    for step in chain:
        keep, reason = get_filter_result(step.filter(doc))
        if not keep:
            return f"{FAMILY_OF[type(step)]}:{reason}"
    return None
