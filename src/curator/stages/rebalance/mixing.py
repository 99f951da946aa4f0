"""Language mixing: target shares, per-language token budgets and a hard cap on repetitions.

Each language is a set of cells (weight w from rehydration, estimated tokens t). A language is
scaled by one factor s: a document of weight w appears min(cap, s*w) times in expectation
(`sampling.SystematicRounder` makes whole counts of it). Its expected tokens E(s) = sum t*min(cap, s*w)
grow monotonically with s up to cap * (tokens of documents with w > 0), so s is found by bisection.
A language whose target is above that maximum cannot reach its share within the cap: it is
reported and kept at the cap, never repeated more; its shortfall is not given to other languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from curator.stages.rebalance.params import MixingParams

_BISECTION_STEPS = 100


@dataclass
class LanguageCells:
    weights: np.ndarray  # rehydration weight of each cell (>= 0)
    tokens: np.ndarray  # estimated tokens of the documents in each cell (before rebalancing)

    def expected_tokens(self, scale: float, cap: int) -> float:
        return float(np.sum(self.tokens * np.minimum(cap, scale * self.weights)))

    def max_tokens(self, cap: int) -> float:
        return float(cap * self.tokens[self.weights > 0].sum())

    def full_scale(self, cap: int) -> float:
        """The smallest scale at which every document with a positive weight is at the cap."""
        positive = self.weights[(self.weights > 0) & (self.tokens > 0)]
        return float(cap / positive.min()) if positive.size else 0.0


@dataclass
class LanguageMix:
    target_share: float  # what the mixing mode asked for
    target_tokens: float  # after the total and the language's budget
    scale: float
    expected_tokens: float
    max_tokens: float  # every document at the cap
    limited_by: str | None  # None | "token_budget" | "repetition_cap"


def target_shares(natural_tokens: Mapping[str, float], params: MixingParams) -> dict[str, float]:
    """Shares per language (summing to 1) from the mixing mode; natural = rehydrated, capped tokens."""
    languages = sorted(natural_tokens)
    if params.mode == "natural":
        raw = {lang: natural_tokens[lang] for lang in languages}
    elif params.mode == "weights":
        raw = {lang: params.weights.get(lang, params.other_weight) for lang in languages}
    else:  # temperature sampling: p ~ n^alpha flattens the distribution for alpha < 1
        raw = {
            lang: natural_tokens[lang] ** params.alpha if natural_tokens[lang] > 0 else 0.0
            for lang in languages
        }
    total = sum(raw.values())
    if total <= 0:
        return {lang: 0.0 for lang in languages}
    return {lang: value / total for lang, value in raw.items()}


def solve_scale(cells: LanguageCells, target: float, cap: int) -> float:
    """The scale s with expected_tokens(s) == target (target must be <= max_tokens)."""
    if target <= 0:
        return 0.0
    low, high = 0.0, cells.full_scale(cap)
    for _ in range(_BISECTION_STEPS):
        mid = (low + high) / 2
        if cells.expected_tokens(mid, cap) < target:
            low = mid
        else:
            high = mid
    return high


def plan_mix(
    languages: Mapping[str, LanguageCells], params: MixingParams, cap: int
) -> dict[str, LanguageMix]:
    """Scale every language to its share of the total, within its budget and the repetition cap."""
    natural = {lang: cells.expected_tokens(1.0, cap) for lang, cells in languages.items()}
    shares = target_shares(natural, params)
    total = params.total_tokens if params.total_tokens is not None else sum(natural.values())
    plan = {}
    for lang, cells in sorted(languages.items()):
        target = shares[lang] * total
        limited_by = None
        budget = params.token_budgets.get(lang)
        if budget is not None and budget < target:
            target, limited_by = float(budget), "token_budget"
        max_tokens = cells.max_tokens(cap)
        if target > max_tokens * (1 + 1e-9):
            scale, limited_by = cells.full_scale(cap), "repetition_cap"
        elif params.mode == "natural" and limited_by is None and params.total_tokens is None:
            scale = 1.0  # exactly the rehydrated weights
        else:
            scale = solve_scale(cells, target, cap)
        plan[lang] = LanguageMix(
            target_share=shares[lang],
            target_tokens=target,
            scale=scale,
            expected_tokens=cells.expected_tokens(scale, cap),
            max_tokens=max_tokens,
            limited_by=limited_by,
        )
    return plan
