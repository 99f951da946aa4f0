"""The heuristic rules by family: each rule is a threshold of the language profile, named as the field.

`disable` and `overrides` in the filters block refer to these names; a family name disables all
of its rules. Disabling a rule sets its threshold to None (or [] for the n-gram lists), which is
how both datatrove and the fused filter skip it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from curator.core.profiles import LanguageProfile

FAMILIES: dict[str, tuple[str, ...]] = {
    "gopher_repetition": (
        "dup_para_frac",
        "dup_para_char_frac",
        "dup_line_frac",
        "dup_line_char_frac",
        "top_n_grams",
        "dup_n_grams",
    ),
    "fineweb_quality": ("line_punct_thr", "short_line_thr", "char_duplicates_ratio", "new_line_ratio"),
    "gopher_quality": (
        "min_doc_words",
        "max_doc_words",
        "min_avg_word_length",
        "max_avg_word_length",
        "max_symbol_word_ratio",
        "max_bullet_lines_ratio",
        "max_ellipsis_lines_ratio",
        "max_non_alpha_words_ratio",
        "min_stop_words",
    ),
}
RULES: tuple[str, ...] = tuple(rule for rules in FAMILIES.values() for rule in rules)
# profile fields that tune a rule without switching it on or off
SETTINGS: tuple[str, ...] = (
    "line_punct_exclude_zero",
    "stop_chars",
    "short_line_length",
    "stopwords",
    "tokenizer",
)


def unknown_names(disable: list[str]) -> list[str]:
    return [name for name in disable if name not in FAMILIES and name not in RULES]


def unknown_overrides(overrides: dict[str, Any]) -> list[str]:
    return [name for name in overrides if name not in RULES and name not in SETTINGS]


def apply_config(profile: LanguageProfile, disable: list[str], overrides: dict[str, Any]) -> LanguageProfile:
    """The profile with `overrides` applied and the `disable`d rules (or families) switched off."""
    update = dict(overrides)
    for name in disable:
        for rule in FAMILIES.get(name, (name,)):
            update[rule] = [] if rule in ("top_n_grams", "dup_n_grams") else None
    if not update:
        return profile
    return LanguageProfile.model_validate({**profile.model_dump(), **update})


def config_problems(
    disable: list[str], overrides: dict[str, Any], profile: LanguageProfile
) -> list[tuple[str, str]]:
    """(param key, message) for names that are not rules and values of the wrong type."""
    known = ", ".join((*FAMILIES, *RULES))
    problems = [
        ("disable", f"'{n}' is not a rule or family (known: {known})") for n in unknown_names(disable)
    ]
    problems += [
        ("overrides", f"'{n}' is not a rule threshold or setting (known: {', '.join((*RULES, *SETTINGS))})")
        for n in unknown_overrides(overrides)
    ]
    if not problems:
        try:
            apply_config(profile, disable, overrides)
        except ValidationError as e:
            problems += [
                ("overrides", f"{'.'.join(map(str, err['loc']))}: {err['msg']}") for err in e.errors()
            ]
    return problems


def family_enabled(profile: LanguageProfile, family: str) -> bool:
    return any(getattr(profile, rule) not in (None, []) for rule in FAMILIES[family])
