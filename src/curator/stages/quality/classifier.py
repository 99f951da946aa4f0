"""A fastText binary classifier loaded lazily (in the worker process: fastText models do not pickle)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from curator.core.paths import DEFAULT_QUALITY_MODEL
from curator.stages.quality.text import NORMALIZATIONS, Normalization, prepare_text

# The shipped default classifier (trained by scripts/train_quality_model.py; see models/PROVENANCE.md).
DEFAULT_MODEL = DEFAULT_QUALITY_MODEL
POSITIVE_LABEL = "__label__hq"
NEGATIVE_LABEL = "__label__lq"


_LOADED: dict[tuple, object] = {}  # (path, mtime, size) -> model loaded in this process


def load_fasttext(path: str | Path):
    """A fastText model, loaded once per process and file version. Workers forked after their launcher loaded it (the
    scorer's preload) share its memory: a multi-GB classifier is not loaded once per worker."""
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        import fasttext

        _LOADED[key] = fasttext.load_model(str(path))
    return _LOADED[key]


def model_normalization(path: str | Path) -> Normalization:
    """The text preparation a model was trained with, from `normalization` in its sidecar
    `<model>.json` (written by scripts/train_quality_model.py), else "curator": the model says how
    to read text for it, so retraining the shipped model with another preparation needs no config."""
    sidecar = Path(path).with_suffix(".json")
    try:
        value = json.loads(sidecar.read_text(encoding="utf-8")).get("normalization")
    except (OSError, ValueError, AttributeError):
        return "curator"
    return value if value in NORMALIZATIONS else "curator"


class FastTextClassifier:
    """P(positive label | text) from a local fastText model."""

    def __init__(
        self,
        path: str | Path,
        positive_label: str = POSITIVE_LABEL,
        normalization: Normalization | None = None,
    ):
        """`normalization` None: the one the model's sidecar names (see model_normalization)."""
        self.path = Path(path)
        self.positive_label = positive_label
        self.normalization = normalization or model_normalization(path)
        self._model = None

    def __getstate__(self):
        return {**self.__dict__, "_model": None}

    @property
    def model(self):
        if self._model is None:
            self._model = load_fasttext(self.path)
        return self._model

    def problem(self) -> str | None:
        """Why this classifier cannot be used (missing file, not a model, no such label), or None."""
        if not self.path.is_file():
            return f"model file not found: {self.path}"
        try:
            labels = self.model.get_labels()
        except ValueError as e:  # fastText raises ValueError for files that are not models
            return f"{self.path}: not a fastText model ({e})"
        if self.positive_label not in labels:
            return f"{self.path}: no label '{self.positive_label}' (labels: {', '.join(labels)}); set positive_label"
        return None

    def score(self, text: str) -> float:
        """Probability of the positive label (0.0 for empty text)."""
        line = prepare_text(text, self.normalization)
        if not line:
            return 0.0
        labels, probs = self.model.predict(line, k=-1, threshold=0.0)
        for label, prob in zip(labels, probs, strict=True):
            if label == self.positive_label:
                return min(1.0, float(prob))
        return 0.0
