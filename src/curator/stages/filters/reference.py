"""datatrove's own filter chain configured from a language profile: what the fused filter must equal.

Used by the agreement tests and `scripts/bench/filters.py`. The constructor arguments come from the
rule table (text/rules.py): each row's profile value under its name, each setting under its
datatrove argument. FineWebQualityFilter has no "off" for a threshold, so a None threshold becomes
a value that can never fail.
"""

from __future__ import annotations

import math

from datatrove.data import Document
from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result

from curator.text.profiles import LanguageProfile
from curator.text.rules import FAMILY_TABLE, Rule, family, family_rules, family_settings
from curator.text.tokenizers import word_tokenizer

FAMILY_OF_FILTER = {f.datatrove_filter: f.name for f in FAMILY_TABLE}

FILTER_CLASSES = {
    cls.__name__: cls for cls in (GopherRepetitionFilter, FineWebQualityFilter, GopherQualityFilter)
}


def _argument(row: Rule, value):
    """A profile value as the datatrove filter's constructor wants it. A FineWebQualityFilter
    threshold that is off becomes one no document fails (the side its row removes from)."""
    if row.kind is list:
        return tuple(value)
    if value is None and not family(row.family).zero_is_off:
        return math.inf if row.removes_above else -math.inf
    return value


def filter_arguments(profile: LanguageProfile, family_name: str) -> dict:
    """The constructor arguments of one family's datatrove filter, from its rows and settings."""
    p = profile
    arguments = {row.name: _argument(row, getattr(p, row.name)) for row in family_rules(family_name)}
    for setting in family_settings(family_name):
        value = getattr(p, setting.name)
        # lists as tuples: str.endswith needs one (stop_chars), set() takes any (stop_words)
        arguments[setting.datatrove_arg] = tuple(value) if isinstance(value, list) else value
    return arguments


def datatrove_chain(profile: LanguageProfile) -> list[BaseFilter]:
    """GopherRepetitionFilter, FineWebQualityFilter, GopherQualityFilter with the profile's thresholds."""
    language = word_tokenizer(profile.tokenizer_key)  # datatrove accepts a tokenizer object as `language`
    return [
        FILTER_CLASSES[f.datatrove_filter](**filter_arguments(profile, f.name), language=language)
        for f in FAMILY_TABLE
    ]


def chain_first_failure(chain: list[BaseFilter], doc: Document) -> str | None:
    """Run the chain on one document: the first removal as `<family>:<reason>`, or None if kept."""
    for step in chain:
        keep, reason = get_filter_result(step.filter(doc))
        if not keep:
            return f"{FAMILY_OF_FILTER[type(step).__name__]}:{reason}"
    return None
