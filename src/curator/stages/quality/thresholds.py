"""Per-language cut-offs: the block's `min_score` / `keep_top_fraction`, overridden by a language
profile's `quality_min_score` / `quality_keep_top_fraction` when the profile sets them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from curator.text.profiles import load_profile


@dataclass(frozen=True)
class QualityThresholds:
    min_score: float | None = None
    keep_top_fraction: float | None = None
    profiles_dir: str | Path | None = None  # None: the bundled lang_profiles/

    def for_language(self, language: str) -> tuple[float | None, float | None]:
        """(min_score, keep_top_fraction) for documents of `language`; None means off."""
        profile = load_profile(language, self.profiles_dir)
        min_score = profile.quality_min_score if profile.quality_min_score is not None else self.min_score
        fraction = (
            profile.quality_keep_top_fraction
            if profile.quality_keep_top_fraction is not None
            else self.keep_top_fraction
        )
        return min_score, fraction
