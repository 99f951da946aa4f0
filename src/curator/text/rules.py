"""The heuristic rule table: one row per rule, and everything that knows a rule reads it from here.

A row says what a rule is (its name = its key in lang_profiles/<language>.yaml, its family = the
datatrove filter that applies it, the metric it compares, whether a document is removed above or
below the threshold, the threshold's default, the reason written when it removes a document) and how
`curator profiles calibrate` derives the threshold from data. From the rows come:
- LanguageProfile's rule fields, their types and defaults (text/profiles.py),
- the fused filter's comparisons and reasons (stages/filters/fused.py),
- the datatrove reference chain's constructor arguments (stages/filters/reference.py),
- calibration's thresholds: which metric, which direction, how it may move (calibrate/thresholds.py),
- the names `disable` and `overrides` accept in the filters block.
Changing a rule (its default, direction, reason or calibration) is one edit of its row. How a metric
is computed stays code (in the fused filter, fast, and in calibrate/metrics.py, datatrove's own
helpers): the row names the metric both compute, and the agreement tests check the two.

The order of the rows is datatrove's order of checks: the first failing rule is the reason.
Disabling a rule sets its threshold to None (or [] for the n-gram lists), which is how both
datatrove and the fused filter skip it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

# a language profile (text/profiles.py builds its model from this table, so it cannot be imported here)
Profile = TypeVar("Profile", bound=BaseModel)

NgramThresholds = list[tuple[int, float]]


@dataclass(frozen=True)
class Family:
    """A datatrove filter class: its rules run in one block, in row order."""

    name: str
    datatrove_filter: str  # class name in datatrove.pipeline.filters
    # datatrove's GopherRepetition/GopherQuality skip a rule whose threshold is falsy (0 too);
    # FineWebQualityFilter has no "off" and compares whatever it is given
    zero_is_off: bool


@dataclass(frozen=True)
class Calibration:
    """How `curator profiles calibrate` derives a rule's threshold (calibrate/thresholds.py)."""

    size_like: bool = False  # scales with word/length units: extrapolate by ratio of medians
    may_tighten: bool = False  # may end stricter than the reference threshold (unit-dependent rules)
    upper_bound: float | None = 1.0  # largest meaningful threshold (fractions)
    small_sample: bool = False  # measurable from a handful of documents (the partial tier calibrates it)
    # matched on the count of the language's own chosen stop words, once they are chosen (not a metric
    # of calibrate/metrics.py); loosened last
    stop_words: bool = False


@dataclass(frozen=True)
class Rule:
    """One heuristic rule.

    `removes_above`: True, a document whose metric is above the threshold is removed ("max");
    False, below it ("min"). For the n-gram lists (`kind` list) the threshold is a list of
    (n, fraction) and `metric`/`reasons` are templates with `{n}`.
    `reasons`: what the filter writes when the rule removes a document (datatrove's words), one per
    measured value: max_symbol_word_ratio is compared with the '#' ratio and with the ellipsis ratio.
    The name is also the constructor argument of the family's datatrove filter.
    """

    name: str
    family: str
    metric: str
    removes_above: bool
    default: float | int | NgramThresholds | None
    reasons: tuple[str, ...]
    calibration: Calibration | None = Calibration()
    kind: type = float  # float | int | list (n-gram thresholds)

    @property
    def direction(self) -> str:
        return "max" if self.removes_above else "min"

    @property
    def reason(self) -> str:
        return self.reasons[0]

    @property
    def off(self) -> Any:
        """The threshold value that switches the rule off."""
        return [] if self.kind is list else None

    def fails(self, value: float, threshold: float) -> bool:
        """The rule's comparison: True when a document with this metric value is removed."""
        return value > threshold if self.removes_above else value < threshold


@dataclass(frozen=True)
class Setting:
    """A profile key that tunes how a family measures, without switching a rule on or off."""

    name: str
    family: str | None
    datatrove_arg: str | None  # constructor argument of the family's datatrove filter
    default: Any
    doc: str = ""


FAMILY_TABLE: tuple[Family, ...] = (
    Family("gopher_repetition", "GopherRepetitionFilter", zero_is_off=True),
    Family("fineweb_quality", "FineWebQualityFilter", zero_is_off=False),
    Family("gopher_quality", "GopherQualityFilter", zero_is_off=True),
)

_SIZE = Calibration(size_like=True, may_tighten=True, upper_bound=None)

# Rule(name, family, metric, removes_above (True: max, False: min), default, reasons[, calibration, kind]),
# in datatrove's order of checks
RULE_TABLE: tuple[Rule, ...] = (
    # Gopher repetition (datatrove's GopherRepetitionFilter)
    Rule("dup_para_frac", "gopher_repetition", "dup_para_frac", True, 0.3, ("dup_para_frac",)),
    Rule("dup_para_char_frac", "gopher_repetition", "dup_para_char_frac", True, 0.2, ("dup_para_char_frac",)),
    Rule("dup_line_frac", "gopher_repetition", "dup_line_frac", True, 0.3, ("dup_line_frac",)),
    Rule("dup_line_char_frac", "gopher_repetition", "dup_line_char_frac", True, 0.2, ("dup_line_char_frac",)),
    Rule(
        "top_n_grams",
        "gopher_repetition",
        "top_{n}_gram",
        True,
        [(2, 0.2), (3, 0.18), (4, 0.16)],
        ("top_{n}_gram",),
        kind=list,
    ),
    Rule(
        "dup_n_grams",
        "gopher_repetition",
        "dup_{n}_gram",
        True,
        [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)],
        ("duplicated_{n}_n_grams",),
        kind=list,
    ),
    # FineWeb quality (FineWebQualityFilter)
    Rule("line_punct_thr", "fineweb_quality", "line_punct_ratio", False, 0.12, ("line_punct_ratio",)),
    Rule("short_line_thr", "fineweb_quality", "short_line_ratio", True, 0.67, ("short_line_ratio",)),
    Rule("char_duplicates_ratio", "fineweb_quality", "char_dup_ratio", True, 0.01, ("char_dup_ratio",)),
    Rule("new_line_ratio", "fineweb_quality", "new_line_ratio", True, 0.3, ("list_ratio",), _SIZE),
    # Gopher quality (GopherQualityFilter); "doc_words" and "avg_word_length" leave out
    # punctuation-only words
    Rule("min_doc_words", "gopher_quality", "doc_words", False, 50, ("gopher_short_doc",), _SIZE, int),
    Rule("max_doc_words", "gopher_quality", "doc_words", True, 100000, ("gopher_long_doc",), _SIZE, int),
    Rule(
        "min_avg_word_length",
        "gopher_quality",
        "avg_word_length",
        False,
        3,
        ("gopher_below_avg_threshold",),
        # loosens only: a source written with unusual word separators must not raise the minimum
        Calibration(size_like=True, upper_bound=None, small_sample=True),
    ),
    Rule(
        "max_avg_word_length",
        "gopher_quality",
        "avg_word_length",
        True,
        10,
        ("gopher_above_avg_threshold",),
        Calibration(size_like=True, may_tighten=True, upper_bound=None, small_sample=True),
    ),
    Rule(
        "max_symbol_word_ratio",
        "gopher_quality",
        "symbol_word_ratio",
        True,
        0.1,
        ("gopher_too_many_hashes", "gopher_too_many_ellipsis"),
        Calibration(upper_bound=None),
    ),
    Rule(
        "max_bullet_lines_ratio",
        "gopher_quality",
        "bullet_lines_ratio",
        True,
        0.9,
        ("gopher_too_many_bullets",),
    ),
    Rule(
        "max_ellipsis_lines_ratio",
        "gopher_quality",
        "ellipsis_lines_ratio",
        True,
        0.3,
        ("gopher_too_many_end_ellipsis",),
    ),
    # datatrove's name, but a minimum: the share of words with a letter must reach it
    Rule(
        "max_non_alpha_words_ratio",
        "gopher_quality",
        "alpha_words_ratio",
        False,
        0.8,
        ("gopher_below_alpha_threshold",),
    ),
    Rule(
        "min_stop_words",
        "gopher_quality",
        "stop_words",
        False,
        2,
        ("gopher_enough_stop_words",),
        Calibration(upper_bound=None, stop_words=True),
        int,
    ),
)

SETTING_TABLE: tuple[Setting, ...] = (
    Setting(
        "line_punct_exclude_zero",
        "fineweb_quality",
        "line_punct_exclude_zero",
        False,
        "line_punct_thr spares documents where no line ends in a stop character",
    ),
    Setting(
        "stop_chars",
        "fineweb_quality",
        "stop_chars",
        None,
        "line ends for line_punct_thr (None: datatrove's)",
    ),
    Setting(
        "short_line_length", "fineweb_quality", "short_line_length", 30, "a short line for short_line_thr"
    ),
    Setting("stopwords", "gopher_quality", "stop_words", [], "the words min_stop_words counts"),
    Setting(
        "tokenizer",
        None,  # every family's `language`: the word tokenizer object
        None,
        None,
        "datatrove word tokenizer key (tokenizer_assignment.csv); default: the language",
    ),
)

# names (rows are looked up by name at call time, so that a changed row is seen everywhere)
FAMILIES: dict[str, tuple[str, ...]] = {
    family.name: tuple(rule.name for rule in RULE_TABLE if rule.family == family.name)
    for family in FAMILY_TABLE
}
RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in RULE_TABLE)
SETTING_NAMES: tuple[str, ...] = tuple(setting.name for setting in SETTING_TABLE)


def rule(name: str) -> Rule:
    """The current row of rule `name`."""
    for row in RULE_TABLE:
        if row.name == name:
            return row
    raise KeyError(f"'{name}' is not a rule (known: {', '.join(RULE_NAMES)})")


def setting(name: str) -> Setting:
    """The current row of setting `name`."""
    for row in SETTING_TABLE:
        if row.name == name:
            return row
    raise KeyError(f"'{name}' is not a setting (known: {', '.join(SETTING_NAMES)})")


def family(name: str) -> Family:
    for row in FAMILY_TABLE:
        if row.name == name:
            return row
    raise KeyError(f"'{name}' is not a rule family (known: {', '.join(FAMILIES)})")


def family_rules(name: str) -> tuple[Rule, ...]:
    return tuple(row for row in RULE_TABLE if row.family == name)


def family_settings(name: str) -> tuple[Setting, ...]:
    return tuple(row for row in SETTING_TABLE if row.family == name)


def enabled(row: Rule, threshold: Any) -> bool:
    """Whether datatrove applies `row` with this threshold (None/[] is off everywhere; 0 is off in
    the Gopher filters, which test their thresholds for truth)."""
    if threshold is None or (row.kind is list and not threshold):
        return False
    return bool(threshold) or not family(row.family).zero_is_off


def rule_defaults() -> dict[str, Any]:
    """Every rule's and setting's default, for a profile key the YAML leaves out."""
    defaults = {row.name: row.default for row in (*SETTING_TABLE, *RULE_TABLE)}
    return {key: list(value) if isinstance(value, list) else value for key, value in defaults.items()}


# --------------------------------------------------------------------- the filters block's config


def unknown_names(disable: list[str]) -> list[str]:
    return [name for name in disable if name not in FAMILIES and name not in RULE_NAMES]


def unknown_overrides(overrides: dict[str, Any]) -> list[str]:
    return [name for name in overrides if name not in RULE_NAMES and name not in SETTING_NAMES]


def apply_config(profile: Profile, disable: list[str], overrides: dict[str, Any]) -> Profile:
    """The profile with `overrides` applied and the `disable`d rules (or families) switched off."""
    update = dict(overrides)
    for name in disable:
        for rule_name in FAMILIES.get(name, (name,)):
            update[rule_name] = rule(rule_name).off
    if not update:
        return profile
    return type(profile).model_validate({**profile.model_dump(), **update})


def config_problems(
    disable: list[str], overrides: dict[str, Any], profile: BaseModel
) -> list[tuple[str, str]]:
    """(param key, message) for names that are not rules and values of the wrong type."""
    known = ", ".join((*FAMILIES, *RULE_NAMES))
    problems = [
        ("disable", f"'{n}' is not a rule or family (known: {known})") for n in unknown_names(disable)
    ]
    problems += [
        (
            "overrides",
            f"'{n}' is not a rule threshold or setting (known: {', '.join((*RULE_NAMES, *SETTING_NAMES))})",
        )
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


def family_enabled(profile: BaseModel, family_name: str) -> bool:
    return any(getattr(profile, name) not in (None, []) for name in FAMILIES[family_name])
