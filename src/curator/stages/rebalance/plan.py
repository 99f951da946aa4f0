"""From the statistics pass to the plan: bucket weights, quality scaling and the scale of each language.

The plan is a small JSON file (OUTPUT/stages/<stage>/plan.json) that every write task reads, so
all tasks give each document the same repetitions, and mix.json can say where each number came from.
`RebalancePlan` is its one definition: the planner writes it and the write and summary tasks read
it back through the same model, so a key is never spelled twice and a plan.json left by another
curator version fails with the file's name instead of a KeyError deep in a task.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_serializer, field_validator

from curator.core.atomic import write_json_atomic
from curator.core.errors import CuratorError
from curator.stages.rebalance.mixing import LanguageCells, LanguageMix, plan_mix
from curator.stages.rebalance.params import MixingParams, RebalanceParams
from curator.stages.rebalance.rehydration import (
    bucket_index,
    bucket_label,
    removal_rate_weights,
    table_buckets,
)
from curator.stages.rebalance.scan import NO_QUALITY, QUALITY_LEVELS, ColumnsSeen, LanguageStats

TOKEN_ESTIMATOR = "estimated tokens = characters / chars_per_token (per language, default {default})"
STALE_PLAN = "delete it, remove the rebalance jobs' logs (OUTPUT/logs/rebalance-*), and rerun"


class _PlanModel(BaseModel):
    """Field order is the JSON's key order (plan.json and mix.json stay byte-identical)."""

    model_config = ConfigDict(extra="forbid")


class RemovalRateDetail(_PlanModel):
    """removal_rate mode: the numbers a language's bucket weights come from (shown in mix.json)."""

    global_removal_rate: float | None
    kept_by_filters: list[int]
    removed_by_filters: list[int]
    removal_rates: list[float | None]
    raw_weights: list[float]


class LanguagePlan(_PlanModel):
    """One language: weight per cluster-size bucket, quality mean, token estimate and its mix scale."""

    bucket_weights: list[int]
    bucket_documents: list[int]
    quality_mean: float | None  # None: no quality scaling for this language
    chars_per_token: float
    rehydration_detail: RemovalRateDetail | None  # None (JSON {}): table or off mode
    scale: float
    mix: LanguageMix

    @field_validator("rehydration_detail", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return value or None

    @field_serializer("rehydration_detail")
    def _none_is_empty(self, value: RemovalRateDetail | None) -> dict:
        return value.model_dump() if value is not None else {}


class RehydrationSummary(_PlanModel):
    """What rehydration actually used, as mix.json reports it ('present', 'missing', 'on'/'off')."""

    mode: str
    minhash_cluster_size: str
    quality_scaling: str
    quality_score: str


class RebalancePlan(_PlanModel):
    max_repetitions: int
    seed: int
    quality_floor: float
    materialize: bool
    bucket_edges: list[int]
    buckets: list[str]  # '[5,100)' labels of the buckets
    token_estimator: str
    rehydration: RehydrationSummary
    mixing: MixingParams
    notes: dict[str, str]  # where the plan differs from what the config asked, and why
    languages: dict[str, LanguagePlan]
    documents_dir: str | None = None  # set by the planner; left out of the JSON when None

    def to_json(self) -> dict:
        data = self.model_dump()
        if data["documents_dir"] is None:
            del data["documents_dir"]
        return data

    @classmethod
    def from_json(cls, data: dict, source: str = "plan") -> RebalancePlan:
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise CuratorError(
                f"{source}: not a rebalance plan of this curator version ({e.error_count()} problems, first: "
                f"{e.errors()[0]['loc']} {e.errors()[0]['msg']}); {STALE_PLAN}"
            ) from None

    def write(self, path: Path) -> None:
        write_json_atomic(path, self.to_json())

    @classmethod
    def read(cls, path: Path) -> RebalancePlan:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CuratorError(
                f"{path}: rebalance plan not found; rerun the run (completed tasks are skipped)"
            ) from None
        except json.JSONDecodeError as e:
            raise CuratorError(f"{path}: rebalance plan is not JSON ({e}); {STALE_PLAN}") from None
        return cls.from_json(data, str(path))


def bucket_edges(params: RebalanceParams) -> list[int]:
    mode = params.rehydration.mode
    if mode == "off":
        return [1]
    if mode == "table":
        return table_buckets(params.rehydration.table)[0]
    return list(params.rehydration.bucket_edges)


def chars_per_token(params: RebalanceParams, language: str) -> float:
    return params.chars_per_token_by_language.get(language, params.chars_per_token)


def quality_factor(score: float, mean_score: float, floor: float) -> float:
    """Weight multiplier of a document: (floor + (1-floor) * score) relative to the language's mean.

    Relative, so scaling moves repetitions from worse to better documents without changing the
    language's expected size; the floor keeps a low score from removing a document outright.
    """
    return (floor + (1 - floor) * score) / (floor + (1 - floor) * mean_score)


def document_weight(
    plan: RebalancePlan, language_plan: LanguagePlan, cluster_size: int | None, quality: float | None
) -> float:
    """A document's rehydration weight (x quality factor) under the plan: the write pass's per-document
    form of the grid that `build_plan` solved the mix on."""
    weight = float(language_plan.bucket_weights[bucket_index(cluster_size, plan.bucket_edges)])
    mean = language_plan.quality_mean
    if mean is not None and quality is not None:
        weight *= quality_factor(quality, mean, plan.quality_floor)
    return weight


def quality_factors(mean: float | None, floor: float) -> np.ndarray:
    """quality_factor of each histogram quality level (1 for documents without a score, or no scaling)."""
    factors = np.ones(QUALITY_LEVELS + 1)
    if mean is not None:
        factors[:QUALITY_LEVELS] = quality_factor(np.linspace(0.0, 1.0, QUALITY_LEVELS), mean, floor)
    factors[NO_QUALITY] = 1.0
    return factors


def build_plan(
    params: RebalanceParams,
    stats: Mapping[str, LanguageStats],
    columns: ColumnsSeen,
    removed: Mapping[str, np.ndarray] | None = None,
    survivors: Mapping[str, np.ndarray] | None = None,
) -> RebalancePlan:
    """The plan of the mix. `removed`/`survivors`: removal_rate mode's extra bucket counts."""
    reh = params.rehydration
    edges = bucket_edges(params)
    notes: dict[str, str] = {}
    cluster_column = columns.describe(columns.with_cluster_size)
    quality_column = columns.describe(columns.with_quality)
    if cluster_column != "present" and reh.mode != "off":
        notes["rehydration"] = (
            f"minhash_cluster_size {cluster_column} (dedup did not run?): those documents count as unique (size 1)"
        )
    over_cap = {k: v for k, v in reh.table.items() if v > params.max_repetitions}
    if reh.mode == "table" and over_cap:
        notes["table"] = (
            f"table weights {over_cap} are above max_repetitions={params.max_repetitions}: capped"
        )
    quality_on = reh.quality_scaling and columns.with_quality > 0
    if reh.quality_scaling and not quality_on:
        notes["quality_scaling"] = (
            "requested, but no quality_score column (quality did not run?): not applied"
        )

    languages: dict[str, dict] = {}  # LanguagePlan fields, but the scale (from plan_mix, below)
    cells: dict[str, LanguageCells] = {}
    for lang, s in sorted(stats.items()):
        kept_per_bucket = s.docs.sum(axis=1)
        detail = None
        if reh.mode == "off":
            weights = [1]
        elif reh.mode == "table":
            weights = table_buckets(reh.table)[1]
        else:
            kept = kept_per_bucket + (survivors or {}).get(lang, 0)
            removed_here = (removed or {}).get(lang, np.zeros(len(edges), dtype=np.int64))
            rr = removal_rate_weights(
                kept, removed_here, reh.max_repetitions, reh.smoothing_window, reh.min_bucket_docs
            )
            weights = rr.weights
            detail = RemovalRateDetail(
                global_removal_rate=rr.global_rate,
                kept_by_filters=[int(x) for x in kept],
                removed_by_filters=[int(x) for x in removed_here],
                removal_rates=rr.rates,
                raw_weights=[round(w, 4) for w in rr.raw],
            )
        mean = s.quality_mean if quality_on else None
        if mean is not None and reh.quality_floor + (1 - reh.quality_floor) * mean <= 0:
            mean = None  # every document scored 0 with no floor: nothing to scale by
        factors = quality_factors(mean, reh.quality_floor)
        cpt = chars_per_token(params, lang)
        cells[lang] = LanguageCells(
            weights=(np.asarray(weights, dtype=float)[:, None] * factors[None, :]).ravel(),
            tokens=(s.chars / cpt).ravel(),
        )
        languages[lang] = {
            "bucket_weights": [int(w) for w in weights],
            "bucket_documents": [int(x) for x in kept_per_bucket],
            "quality_mean": mean,
            "chars_per_token": cpt,
            "rehydration_detail": detail,
        }
    for key, given in (("weights", params.mixing.weights), ("token_budgets", params.mixing.token_budgets)):
        absent = sorted(set(given) - set(stats))
        if absent:
            notes[f"mixing.{key}"] = f"languages not in the documents (check the labels): {', '.join(absent)}"
    mix = plan_mix(cells, params.mixing, params.max_repetitions)
    return RebalancePlan(
        max_repetitions=params.max_repetitions,
        seed=params.seed,
        quality_floor=reh.quality_floor,
        materialize=params.materialize,
        bucket_edges=edges,
        buckets=[bucket_label(edges, i) for i in range(len(edges))],
        token_estimator=TOKEN_ESTIMATOR.format(default=params.chars_per_token),
        rehydration=RehydrationSummary(
            mode=reh.mode,
            minhash_cluster_size=cluster_column,
            quality_scaling="on" if quality_on else "off",
            quality_score=quality_column,
        ),
        mixing=params.mixing,
        notes=notes,
        languages={
            lang: LanguagePlan(**fields, scale=mix[lang].scale, mix=mix[lang])
            for lang, fields in languages.items()
        },
    )
