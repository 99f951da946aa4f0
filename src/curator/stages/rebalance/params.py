"""The rebalance stage's parameters: the YAML schema of `rebalance:` (typed, unknown keys are errors)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt, model_validator

from curator.stages.base import BlockParams

# FineWeb2's published weights: each key is the lower bound of a cluster-size range
# ([1,2) -> 1, [2,3) -> 2, [3,5) -> 3, [5,100) -> 5, [100,1000) -> 8, [1000,inf) -> 1).
FINEWEB2_TABLE = {1: 1, 2: 2, 3: 3, 5: 5, 100: 8, 1000: 1}
# Cluster-size buckets of the data-driven mode (lower bounds): fine where most documents are,
# coarse in the long tail so that each bucket holds enough documents for a removal rate.
DEFAULT_BUCKET_EDGES = [1, 2, 3, 4, 5, 6, 8, 10, 13, 17, 25, 35, 50, 75, 100, 200, 500, 1000, 5000]


class RehydrationParams(BlockParams):
    mode: Literal["off", "table", "removal_rate"] = Field(
        "table",
        description="off: every document once | table: fixed cluster-size -> repetitions table | "
        "removal_rate: FineWeb2's data-driven weights from the filters' removal rate per cluster size",
    )
    table: dict[PositiveInt, NonNegativeInt] = Field(
        default_factory=lambda: dict(FINEWEB2_TABLE),
        description="table mode: {lowest cluster size of a range: repetitions}; sizes below the smallest key: 1",
    )
    max_repetitions: PositiveInt = Field(
        4, description="removal_rate mode: weight of a bucket never removed by the filters (linear down to 1)"
    )
    bucket_edges: list[PositiveInt] = Field(
        default_factory=lambda: list(DEFAULT_BUCKET_EDGES),
        description="removal_rate mode: increasing lower bounds of the cluster-size buckets",
    )
    smoothing_window: PositiveInt = Field(
        3, description="removal_rate mode: moving average over this many neighbouring buckets (odd)"
    )
    min_bucket_docs: PositiveInt = Field(
        20,
        description="removal_rate mode: buckets with fewer kept+removed documents get weight 1 (too noisy)",
    )
    removal_stages: list[str] = Field(
        default_factory=lambda: ["filters"],
        description="removal_rate mode: stages whose OUTPUT/removed/<stage>/ documents count as removed",
    )
    quality_scaling: bool = Field(
        False,
        description="multiply each document's weight by its quality factor (floor + (1-floor) * quality_score), "
        "divided by the language's mean factor: better documents repeat more, the language's total stays",
    )
    quality_floor: float = Field(
        0.5,
        ge=0,
        le=1,
        description="quality factor of a document scored 0 (0: proportional to quality_score)",
    )

    @model_validator(mode="after")
    def _check(self):
        if self.smoothing_window % 2 == 0:
            raise ValueError(
                f"smoothing_window must be odd (centred on the bucket), got {self.smoothing_window}"
            )
        if self.bucket_edges != sorted(set(self.bucket_edges)) or self.bucket_edges[0] != 1:
            raise ValueError("bucket_edges must be strictly increasing and start at 1")
        if self.mode == "table" and not self.table:
            raise ValueError(
                "table mode needs a non-empty table, e.g. {1: 1, 2: 2, 3: 3, 5: 5, 100: 8, 1000: 1}"
            )
        return self


class MixingParams(BlockParams):
    mode: Literal["natural", "weights", "temperature"] = Field(
        "natural",
        description="natural: shares as rehydrated | weights: explicit shares | temperature: p ~ n^alpha",
    )
    weights: dict[str, NonNegativeFloat] = Field(
        default_factory=dict, description="weights mode: {language: weight}; normalised to shares"
    )
    other_weight: NonNegativeFloat = Field(
        0.0,
        description="weights mode: weight of languages not in `weights` (0: left out of the mix, counted)",
    )
    alpha: PositiveFloat = Field(
        0.3, description="temperature mode: exponent on each language's rehydrated tokens (1 = natural)"
    )
    total_tokens: PositiveInt | None = Field(
        None, description="estimated tokens of the whole mix (default: the natural, rehydrated total)"
    )
    token_budgets: dict[str, PositiveInt] = Field(
        default_factory=dict, description="{language: most estimated tokens it may have in the mix}"
    )

    @model_validator(mode="after")
    def _check(self):
        if self.mode == "weights" and not self.weights and self.other_weight == 0:
            raise ValueError("weights mode needs `weights` ({language: weight}) or a positive other_weight")
        return self


class RebalanceParams(BlockParams):
    rehydration: RehydrationParams = Field(default_factory=RehydrationParams)
    mixing: MixingParams = Field(default_factory=MixingParams)
    max_repetitions: PositiveInt = Field(
        4,
        description="hard cap: no document appears more often than this in the mix (heavy repetition hurts)",
    )
    materialize: bool = Field(
        False,
        description="write each document `repetitions` times (default: once, with a repetitions column)",
    )
    chars_per_token: PositiveFloat = Field(4.0, description="token estimate: characters / chars_per_token")
    chars_per_token_by_language: dict[str, PositiveFloat] = Field(
        default_factory=dict,
        description="per-language override of chars_per_token (measure it with your tokenizer)",
    )
    seed: int = Field(0, description="seed of the per-document rounding of fractional repetitions")
    write_tasks: PositiveInt | None = Field(
        None, description="tasks of the write job (default: executor.tasks)"
    )
