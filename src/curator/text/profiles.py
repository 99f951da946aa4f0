"""Per-language profiles (lang_profiles/<language>.yaml): every language-specific threshold is data.

Keys follow FineWeb2's per-language configs, plus the word tokenizer and what later stages need.
The rule thresholds and filter settings, their types and defaults, come from the rule table
(text/rules.py); this module fixes their order in a file and reads the files.
A language without a file uses default.yaml (with `language` set to the requested label).
"""

from __future__ import annotations

from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from curator.core.errors import ConfigError, pydantic_problems
from curator.core.names import is_language_label, safe_join
from curator.core.paths import DEFAULT_PROFILES_DIR
from curator.text.rules import RULE_TABLE, SETTING_TABLE, rule_defaults

# A profile's keys in the order a written profile lists them (the YAML format users and diffs rely
# on); each rule or setting name gets its type and default from its row in text/rules.py.
PROFILE_LAYOUT: tuple[str, ...] = (
    "language",
    "tokenizer",
    "language_score",  # language ID
    # Gopher repetition
    "dup_line_frac",
    "dup_para_frac",
    "dup_line_char_frac",
    "dup_para_char_frac",
    "top_n_grams",
    "dup_n_grams",
    # FineWeb quality
    "line_punct_thr",
    "line_punct_exclude_zero",
    "stop_chars",
    "short_line_thr",
    "short_line_length",
    "char_duplicates_ratio",
    "new_line_ratio",
    # Gopher quality
    "min_doc_words",
    "max_doc_words",
    "min_avg_word_length",
    "max_avg_word_length",
    "max_symbol_word_ratio",
    "max_bullet_lines_ratio",
    "max_ellipsis_lines_ratio",
    "max_non_alpha_words_ratio",
    "min_stop_words",
    "stopwords",
    # model quality scoring, provenance
    "quality_min_score",
    "quality_keep_top_fraction",
    "calibration",
)
# the type of each key that is not a rule threshold (a setting's default is its row's)
_TYPES: dict[str, Any] = {
    "language": str,
    "tokenizer": str | None,
    "language_score": float,
    "line_punct_exclude_zero": bool,
    "stop_chars": list[str] | None,
    "short_line_length": int,
    "stopwords": list[str],
    "quality_min_score": float | None,
    "quality_keep_top_fraction": float | None,
    "calibration": dict | None,
}
_OTHER_DEFAULTS: dict[str, Any] = {
    "language": Field(..., description="ISO 639-3 + ISO 15924 script, e.g. deu_Latn"),
    "language_score": 0.65,  # language ID (FineWeb's English threshold)
    # model quality scoring (None: the quality block's own setting)
    "quality_min_score": None,
    "quality_keep_top_fraction": None,
    "calibration": None,  # provenance of the numbers (written by `curator profiles calibrate`)
}
_RULE_TYPES = {float: float | None, int: int | None, list: list[tuple[int, float]]}


def _profile_fields() -> dict[str, tuple[Any, Any]]:
    rules = {row.name: row for row in RULE_TABLE}
    settings = {row.name: row for row in SETTING_TABLE}
    missing = (set(rules) | set(settings)) - set(PROFILE_LAYOUT)
    if missing:
        raise RuntimeError(f"{sorted(missing)} of text/rules.py have no place in PROFILE_LAYOUT: add them")
    fields: dict[str, tuple[Any, Any]] = {}
    for name in PROFILE_LAYOUT:
        if name in rules:
            row = rules[name]
            what = f"{row.family}: {row.direction} {row.metric} (removes as {'/'.join(row.reasons)})"
            fields[name] = (_RULE_TYPES[row.kind], Field(deepcopy(row.default), description=what))
        elif name in settings:
            fields[name] = (
                _TYPES[name],
                Field(deepcopy(settings[name].default), description=settings[name].doc),
            )
        else:
            fields[name] = (_TYPES[name], _OTHER_DEFAULTS[name])
    return fields


class _ProfileBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _current_rule_defaults(cls, data: Any, handler):
        """A key the YAML leaves out takes its row's default as the table holds it now (the table
        is the one place a default is changed; tests change a row and see it here)."""
        profile = handler(data)
        if isinstance(data, dict):
            for name, default in rule_defaults().items():
                if name not in data:
                    profile.__dict__[name] = deepcopy(default)
        return profile

    @property
    def tokenizer_key(self) -> str:
        return self.tokenizer or self.language


LanguageProfile = create_model(
    "LanguageProfile",
    __base__=_ProfileBase,
    __module__=__name__,
    __doc__="One language's profile: rule thresholds, filter settings, tokenizer, LID and quality thresholds.",
    **_profile_fields(),
)


def profiles_dir(path: str | Path | None) -> Path:
    return Path(path) if path else DEFAULT_PROFILES_DIR


# libyaml's parser where PyYAML was built with it (same documents, ~10x faster: a run validates
# every profile of the folder before it starts, ~300 files)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4096)
def _load(path: Path, language: str) -> LanguageProfile:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}  # noqa: S506 -- a safe loader
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError([f"{path}: cannot read profile: {e}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: a profile must be a mapping"])
    data["language"] = language
    try:
        return LanguageProfile.model_validate(data)
    except ValidationError as e:
        raise ConfigError([f"{path}: {p}" for p in pydantic_problems(e)]) from None


def load_profile(language: str, directory: str | Path | None = None) -> LanguageProfile:
    """The profile of `language` from `directory` (default: the bundled lang_profiles/), else default.yaml.
    Cached per process: steps ask for every document, and profiles do not change during a run."""
    return _find_profile(language, str(directory) if directory else None)


@lru_cache(maxsize=4096)
def _find_profile(language: str, directory: str | None) -> LanguageProfile:
    own = _own_file(language, directory)
    if own is not None and own.is_file():
        return _load(own, language)
    return default_profile(language, directory)


def _own_file(language: str, directory: str | Path | None) -> Path | None:
    """lang_profiles/<language>.yaml, or None when `language` is not a label (never a path): a value from
    untrusted data (`../x`, 300 characters) gets default.yaml without touching the file system."""
    if not is_language_label(language):
        return None
    return safe_join(profiles_dir(directory), f"{language}.yaml", resolve=False)


def default_profile(language: str, directory: str | Path | None = None) -> LanguageProfile:
    """default.yaml of `directory` read for `language`: what a language without its own file gets."""
    d = profiles_dir(directory)
    default = d / "default.yaml"
    if not default.is_file():
        raise ConfigError([f"{d}: no profile for '{language}' and no default.yaml"])
    return _load(default, language)


def has_own_profile(language: str, directory: str | Path | None = None) -> bool:
    own = _own_file(language, directory)
    return own is not None and own.is_file()


def check_profiles_dir(directory: str | Path | None, shown: str | None = None) -> str | None:
    """A problem message if the directory is unusable, else None (for `validate`).
    `shown`: the folder as the user wrote it (the message names it, and where it was looked for)."""
    d = profiles_dir(directory)
    name = shown or str(d)
    where = f" (looked for {d})" if shown and str(d) != shown else ""
    if not d.is_dir():
        return f"directory '{name}' not found{where}"
    if not (d / "default.yaml").is_file():
        return f"directory '{name}' has no default.yaml (needed for languages without a profile){where}"
    return None
