"""The fluency score: per-language word n-gram language models (CCNet's perplexity signal).

A folder of models, one pair of files per language (the lid stage's label, e.g. `dan_Latn`):

    <folder>/<language>.arpa.gz   the n-gram model (ARPA; see `ngram`)
    <folder>/<language>.json      where its text came from, and the percentiles of its held-out
                                  clean text's scores (the calibration of the threshold)

A document's fluency is what its word order adds to its bag of words, per token: mean log10
p(token | context) minus most of log10 p(token) (`ngram.NgramModel.score`; higher = more fluent;
length normalised, so a short and a long document are comparable). It separates prose from the same
words in a shuffled order, which a bag-of-words classifier barely sees.

Thresholds are calibrated, not typed: `keep_clean_fraction: 0.8` removes documents scoring under
the 20th percentile of the language's held-out clean text, so "keep what 80% of clean text
passes" means the same in every language whatever its model's raw scale. A language without a
model gets no fluency score (None) and is counted (`fluency_no_model/<language>`): the ensemble
then ranks it by the classifiers alone and the fluency filter keeps it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from curator.core.errors import CuratorError
from curator.stages.quality.ngram import NgramModel

FLUENCY = "fluency"  # the name of the score in the ensemble: column quality_score_fluency
MODEL_SUFFIX = ".arpa.gz"
PERCENTILES = list(range(1, 100))  # stored percentiles of held-out clean text (1..99)


class FluencyModels:
    """The language models of one folder, each loaded on first use (in the worker)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._models: dict[str, NgramModel | None] = {}
        self._calibration: dict[str, dict | None] = {}
        self._resolved: dict[str, str | None] = {}

    def __getstate__(self):
        return {**self.__dict__, "_models": {}, "_calibration": {}, "_resolved": {}}

    def problem(self) -> str | None:
        """Why the folder cannot be used (missing, or holding no model), or None."""
        if not self.folder.is_dir():
            return f"language model folder not found: {self.folder} (build it with `make lm-models`)"
        if not self.languages():
            return f"{self.folder}: no *{MODEL_SUFFIX} language model (build them with `curator quality train-lm`)"
        return None

    def languages(self) -> list[str]:
        return sorted(p.name[: -len(MODEL_SUFFIX)] for p in self.folder.glob(f"*{MODEL_SUFFIX}"))

    def resolve(self, language: str) -> str | None:
        """The language whose model scores `language`: its own, else one of the same script whose
        code is its macrolanguage or member (text.labels.same_language), else None."""
        if language not in self._resolved:
            from curator.text.labels import same_language

            found = None
            if (self.folder / f"{language}{MODEL_SUFFIX}").is_file():
                found = language
            else:
                script = language.partition("_")[2]
                for other in self.languages() if self.folder.is_dir() else []:
                    if other.partition("_")[2] == script and same_language(other, language):
                        found = other
                        break
            self._resolved[language] = found
        return self._resolved[language]

    def model(self, language: str) -> NgramModel | None:
        """The model that scores `language` (see resolve), loaded once; None without one."""
        name = self.resolve(language)
        if name is None:
            return None
        if name not in self._models:
            self._models[name] = NgramModel.load_arpa(self.folder / f"{name}{MODEL_SUFFIX}")
        return self._models[name]

    def calibration(self, language: str) -> dict | None:
        language = self.resolve(language) or language
        if language not in self._calibration:
            path = self.folder / f"{language}.json"
            data = None
            if path.is_file():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except json.JSONDecodeError as e:
                    raise CuratorError(
                        f"{path}: not JSON ({e}); rebuild with `curator quality train-lm`"
                    ) from None
            self._calibration[language] = data
        return self._calibration[language]

    def score(self, text: str, language: str) -> float | None:
        """The fluency score (`NgramModel.score`), or None (no model for the language, or no tokens)."""
        model = self.model(language)
        return model.score(text) if model is not None else None

    def min_score(self, language: str, keep_clean_fraction: float) -> float | None:
        """The score that `keep_clean_fraction` of the language's held-out clean text reaches
        (interpolated between the stored percentiles), or None without a calibration."""
        cal = self.calibration(language)
        if not cal or not cal.get("clean_percentiles"):
            return None
        values = cal["clean_percentiles"]
        return float(np.interp(100 * (1 - keep_clean_fraction), PERCENTILES, values))


def clean_percentiles(scores: list[float]) -> list[float]:
    """The 1st..99th percentiles of held-out clean text's scores (the stored calibration)."""
    return [round(float(x), 5) for x in np.percentile(np.asarray(scores, dtype=float), PERCENTILES)]
