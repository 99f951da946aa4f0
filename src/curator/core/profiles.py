"""Per-language profiles (lang_profiles/<language>.yaml): every language-specific threshold is data.

Keys follow FineWeb2's per-language configs, plus the word tokenizer and what later stages need.
A language without a file uses default.yaml (with `language` set to the requested label). Only a
language label (core.names) is looked up as a file name: any other value (from untrusted data: `../x`,
300 characters) gets default.yaml without touching the file system, so no lookup leaves the folder.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from curator.core.errors import ConfigError
from curator.core.names import is_language_label, safe_join
from curator.core.paths import DEFAULT_PROFILES_DIR


class LanguageProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str = Field(..., description="ISO 639-3 + ISO 15924 script, e.g. deu_Latn")
    tokenizer: str | None = Field(
        None, description="datatrove word tokenizer key (tokenizer_assignment.csv); default: the language"
    )
    # language ID
    language_score: float = 0.65
    # Gopher repetition
    dup_line_frac: float | None = 0.3
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    dup_para_char_frac: float | None = 0.2
    top_n_grams: list[tuple[int, float]] = [(2, 0.2), (3, 0.18), (4, 0.16)]
    dup_n_grams: list[tuple[int, float]] = [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)]
    # FineWeb quality
    line_punct_thr: float | None = 0.12
    line_punct_exclude_zero: bool = False
    stop_chars: list[str] | None = None  # None: datatrove's END_PUNCTUATION
    short_line_thr: float | None = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float | None = 0.01
    new_line_ratio: float | None = 0.3
    # Gopher quality
    min_doc_words: int | None = 50
    max_doc_words: int | None = 100000
    min_avg_word_length: float | None = 3
    max_avg_word_length: float | None = 10
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    max_non_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2
    stopwords: list[str] = Field(default_factory=list)
    # model quality scoring (None: the quality block's own setting)
    quality_min_score: float | None = None
    quality_keep_top_fraction: float | None = None
    # provenance of the numbers (written by `curator profiles calibrate`)
    calibration: dict | None = None

    @property
    def tokenizer_key(self) -> str:
        return self.tokenizer or self.language


def profiles_dir(path: str | Path | None) -> Path:
    return Path(path) if path else DEFAULT_PROFILES_DIR


@lru_cache(maxsize=4096)
def _load(path: Path, language: str) -> LanguageProfile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError([f"{path}: cannot read profile: {e}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: a profile must be a mapping"])
    data["language"] = language
    try:
        return LanguageProfile.model_validate(data)
    except ValidationError as e:
        from curator.config.loader import pydantic_problems

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
    """lang_profiles/<language>.yaml, or None when `language` is not a label (never a path)."""
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
