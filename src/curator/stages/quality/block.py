"""quality: fastText classifier scores, ranked into per-language percentile buckets (CCI4.0 ensemble).

Three phases: score every document (side files per task), compute the bucket edges over the whole
corpus (a global step), then set `quality_score` and remove what is under the cut-off. With the
defaults (no cut-off) every document is kept and scored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from curator.core.estimates import PhaseCost, Workload
from curator.stages.base import Block, BlockParams, DocPhase, GlobalPhase, Problem, ProfilesParams
from curator.stages.quality.classifier import (
    DEFAULT_MODEL,
    NEGATIVE_LABEL,
    POSITIVE_LABEL,
    FastTextClassifier,
)
from curator.stages.quality.fluency import FLUENCY, FluencyModels
from curator.stages.quality.thresholds import QualityThresholds

CLASSIFIER_NAME = r"^[a-z0-9_]+$"
DEFAULT_LM_DIR = DEFAULT_MODEL.parent / "lm"  # built by `make lm-models`


class ClassifierSpec(BlockParams):
    path: str = Field(..., description="fastText model file, relative to the config file's folder")
    positive_label: str = Field(
        POSITIVE_LABEL,
        description=f"label whose probability is the score ({NEGATIVE_LABEL} is the other one of curator's models)",
    )
    normalization: Literal["curator", "lines", "sentences", "newlines"] | None = Field(
        None,
        description="text preparation: curator (models from `curator quality train`) | lines (curator with line "
        "breaks as tokens) | sentences (lines, with the sentence-final marks of every script as . ? !) | newlines "
        "(other models); null: what the model's <model>.json names, else curator",
    )


class FluencyParams(BlockParams):
    models: str = Field(
        str(DEFAULT_LM_DIR),
        description="folder of <language>.arpa.gz n-gram models + <language>.json calibrations, relative to "
        "the config file (default: models/lm/, built by `make lm-models` / `curator quality train-lm`)",
    )
    ensemble: bool = Field(
        True,
        description="rank the fluency score into the ensemble's buckets like a classifier (quality_score_fluency)",
    )
    keep_clean_fraction: float | None = Field(
        None,
        gt=0,
        le=1,
        description="remove documents less fluent than this share of the language's held-out clean text "
        "(0.8: the threshold is the clean text's 20th percentile); null: score only",
    )


class QualityParams(ProfilesParams):
    classifiers: dict[str, str | ClassifierSpec] = Field(
        default_factory=lambda: {"web": str(DEFAULT_MODEL)},
        description="name -> model path (or {path, positive_label, normalization}); "
        "each adds a column quality_score_<name>. Default: the shipped models/quality-web.ftz",
    )
    min_score: float | None = Field(
        None,
        ge=0,
        le=1,
        description="remove documents whose quality_score is lower (profiles: quality_min_score)",
    )
    keep_top_fraction: float | None = Field(
        None,
        gt=0,
        le=1,
        description="keep this share of each language's best documents (profiles: quality_keep_top_fraction)",
    )
    fluency: FluencyParams | None = Field(
        None,
        description="per-language n-gram language model score (column quality_score_fluency): an ensemble "
        "member and/or a filter; languages without a model are counted (fluency_no_model/<language>). null: off",
    )
    combine: Literal["max", "mean", "min"] = Field(
        "max",
        description="how the buckets of the classifiers (and fluency) make quality_score: max (CCI4.0: the best "
        "one decides) | mean | min (every one must rank the document high)",
    )
    write_removed: bool = Field(True, description="write removed documents to OUTPUT/removed/<stage>/")

    @field_validator("classifiers")
    @classmethod
    def _names_are_column_suffixes(cls, value: dict) -> dict:
        if not value:
            raise ValueError("give at least one classifier")
        bad = [name for name in value if not re.match(CLASSIFIER_NAME, name)]
        if bad:
            raise ValueError(
                f"classifier names become column names: use lower case, digits and _ (got {bad})"
            )
        return value


class QualityBlock(Block):
    name = "quality"
    Params = QualityParams
    columns = ("quality_score",)

    def _classifiers(self) -> dict[str, FastTextClassifier]:
        out = {}
        for name, spec in self.params.classifiers.items():
            if isinstance(spec, str):
                spec = ClassifierSpec(path=spec)
            out[name] = FastTextClassifier(
                self.ctx.resolve(spec.path), spec.positive_label, spec.normalization
            )
        return out

    def _fluency(self) -> FluencyModels | None:
        spec = self.params.fluency
        return FluencyModels(self.ctx.resolve(spec.models)) if spec is not None else None

    def _ensemble_members(self) -> list[str]:
        members = list(self.params.classifiers)
        if self.params.fluency is not None and self.params.fluency.ensemble:
            members.append(FLUENCY)
        return members

    def _thresholds(self) -> QualityThresholds:
        p = self.params
        return QualityThresholds(p.min_score, p.keep_top_fraction, self.profiles_dir())

    def check(self) -> list[Problem]:
        problems = []
        for name, classifier in self._classifiers().items():
            problem = classifier.problem()
            if problem:
                hint = (
                    " (the default model is built by `make quality-model`)"
                    if classifier.path == DEFAULT_MODEL
                    else ""
                )
                problems.append(Problem(f"classifiers.{name}", problem + hint))
        fluency = self._fluency()
        if fluency is not None:
            if FLUENCY in self.params.classifiers:
                problems.append(
                    Problem(f"classifiers.{FLUENCY}", "the name is the fluency score's: rename it")
                )
            problem = fluency.problem()
            if problem:
                problems.append(Problem("fluency.models", problem))
        return problems + self.profiles_problems()

    def costs(self, work: Workload) -> list[PhaseCost]:
        from curator.stages.quality.estimates import quality_costs

        classifiers = self._classifiers()
        size = sum(c.path.stat().st_size for c in classifiers.values() if Path(c.path).is_file())
        return quality_costs(work, len(classifiers), size)

    def phases(self):
        from curator.stages.quality.edges import QualityBucketEdges
        from curator.stages.quality.ensemble import QualityEnsembleFilter
        from curator.stages.quality.fluency_filter import FluencyFilter
        from curator.stages.quality.scorer import QualityScorer

        classifiers = self._classifiers()
        thresholds = self._thresholds()
        scores_dir = self.ctx.stage_dir / "scores"
        table_path = self.ctx.stage_dir / "buckets.json"
        writer = self.ctx.exclusion_writer() if self.params.write_removed else None
        members = self._ensemble_members()
        first: list = []
        fluency = self._fluency()
        if fluency is not None:
            fluency_writer = self.ctx.exclusion_writer("fluency") if self.params.write_removed else None
            first.append(FluencyFilter(fluency, self.params.fluency.keep_clean_fraction, fluency_writer))
        scored_before = (FLUENCY,) if FLUENCY in members else ()
        scorer_writer = self.ctx.exclusion_writer("scores") if self.params.write_removed else None
        combine = self.params.combine
        return [
            DocPhase([*first, QualityScorer(classifiers, scores_dir, scored_before, scorer_writer)]),
            GlobalPhase(
                "buckets",
                lambda _documents_dir: [
                    QualityBucketEdges(scores_dir, table_path, members, thresholds, combine)
                ],
            ),
            DocPhase([QualityEnsembleFilter(table_path, thresholds, exclusion_writer=writer)]),
        ]
