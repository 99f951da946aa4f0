"""CCI4.0's ensemble of quality classifiers: per language, each classifier's scores are ranked into
20 percentile buckets (5% each) over the whole corpus; a document's quality is its best bucket over
the classifiers, scaled to [0, 1]. Ranking per language makes classifiers (and languages) whose raw
probabilities live on different scales comparable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from curator.core.atomic import write_json_atomic

N_BUCKETS = 20
ALL_LANGUAGES = "*"  # edges over every document: used for a language the table does not know
Combine = Literal["max", "mean", "min"]


def bucket_edges(scores: Sequence[float], n_buckets: int = N_BUCKETS) -> list[float]:
    """The n_buckets-1 inner edges: edge k is the (k/n_buckets)-quantile of the scores, taken as
    the smallest score with at least that share of the scores at or below it (no interpolation)."""
    values = np.asarray(scores, dtype=float)
    values = values[~np.isnan(values)]  # documents without this score (no fluency model for them)
    if len(values) == 0:
        return []
    qs = [k / n_buckets for k in range(1, n_buckets)]
    return [float(x) for x in np.quantile(values, qs, method="inverted_cdf")]


def bucket_of(score, edges: Sequence[float]):
    """0-based bucket of a score (or an array of scores): the number of edges below it, plus half
    of those equal to it. With n_buckets distinct scores, the i-th smallest gets bucket i-1; a score
    tied with several edges (saturated probabilities: many docs at 1.0) gets the middle bucket of
    the ones it spans rather than the lowest."""
    below = np.searchsorted(edges, score, side="left")
    at_or_below = np.searchsorted(edges, score, side="right")
    return (below + at_or_below) // 2


def combined_buckets(
    scores: Mapping[str, np.ndarray], edges: Mapping[str, Sequence[float]], combine: Combine = "max"
) -> np.ndarray:
    """Per document, the classifiers' buckets combined: `max` (CCI4.0: the best classifier
    decides), `mean`, or `min` (every classifier must rank the document high: for signals that
    each catch a different defect, like a fluency model and a boilerplate classifier). A missing
    score (None/NaN, e.g. no fluency model for the language) or a classifier without edges does
    not take part; a document with no score at all gets bucket 0."""
    rows = []
    for name, values in scores.items():
        values = np.asarray(values, dtype=float)
        if not edges.get(name):
            continue
        b = bucket_of(values, edges[name]).astype(float)
        b[np.isnan(values)] = np.nan
        rows.append(b)
    if not rows:
        return np.zeros(len(next(iter(scores.values()), [])))
    matrix = np.vstack(rows)
    present = ~np.isnan(matrix)
    reduce = {"max": np.fmax.reduce, "min": np.fmin.reduce}.get(combine)
    if reduce is not None:
        out = reduce(matrix, axis=0)
    else:
        out = np.where(present, matrix, 0).sum(axis=0) / np.maximum(present.sum(axis=0), 1)
    return np.where(present.any(axis=0), out, 0.0)


def ensemble_score(
    scores: Mapping[str, float | None],
    edges: Mapping[str, Sequence[float]],
    n_buckets: int = N_BUCKETS,
    combine: Combine = "max",
) -> float:
    """The classifiers' buckets combined (`max` by default, CCI4.0), scaled to [0, 1]
    (bucket / (n_buckets - 1))."""
    values = {name: np.array([np.nan if v is None else v], dtype=float) for name, v in scores.items()}
    return float(combined_buckets(values, edges, combine)[0]) / (n_buckets - 1)


def top_fraction_cutoff(ensemble_scores: Sequence[float], fraction: float) -> float:
    """The lowest score to keep so that at least `fraction` of the documents are kept (ties at the
    cutoff are all kept, so the kept share can be larger at bucket granularity)."""
    if not ensemble_scores or fraction >= 1:
        return 0.0
    ranked = sorted(ensemble_scores, reverse=True)
    n_keep = max(1, math.ceil(fraction * len(ranked)))
    return ranked[n_keep - 1]


@dataclass
class LanguageBuckets:
    docs: int
    edges: dict[str, list[float]]  # classifier name -> inner edges
    keep_min_score: float | None = None  # from keep_top_fraction, None when not set


@dataclass
class BucketTable:
    """What the global step hands to the ensemble filter: per-language edges (and cutoffs)."""

    classifiers: list[str]
    n_buckets: int = N_BUCKETS
    languages: dict[str, LanguageBuckets] = field(default_factory=dict)
    combine: Combine = "max"

    def for_language(self, language: str) -> LanguageBuckets:
        return self.languages.get(language) or self.languages[ALL_LANGUAGES]

    def save(self, path: Path) -> None:
        """Write atomically (temp + rename): a reader never sees half a table."""
        data = {
            "classifiers": self.classifiers,
            "n_buckets": self.n_buckets,
            "combine": self.combine,
            "languages": {k: vars(v) for k, v in sorted(self.languages.items())},
        }
        write_json_atomic(path, data, indent=1)

    @classmethod
    def load(cls, path: Path) -> BucketTable:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        languages = {k: LanguageBuckets(**v) for k, v in data["languages"].items()}
        return cls(data["classifiers"], data["n_buckets"], languages, data.get("combine", "max"))


# Mergeable summaries (issue #16 part 3): the buckets job can read the tasks' score files one at a
# time and keep, per language and classifier, a histogram of the scores at a resolution of 2^-20
# (with each bin's largest score), instead of every score. Its memory is then bounded by the
# occupied bins (at most 2^20 + 1 per language and classifier, 24 B each), not by the corpus.
SCORE_BINS = 1 << 20
# Edge k of the exact computation is the ceil(k/n x N)-th smallest score; the summary returns the
# largest score of that score's bin: the same score when it is its bin's largest (always for tied
# saturated scores such as 1.0), otherwise a larger one less than 2^-20 away.
MAX_EDGE_ERROR = 1 / SCORE_BINS


@dataclass
class ScoreHistogram:
    """One language's scores of one classifier as occupied bins: bin, count, largest score in it."""

    bins: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    counts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    maxima: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))

    @classmethod
    def of(cls, scores) -> ScoreHistogram:
        scores = np.asarray(scores, dtype=np.float64)
        scores = np.sort(scores[~np.isnan(scores)])  # a missing score (no fluency model) takes no part
        if not len(scores):
            return cls()
        bins = np.clip(np.floor(scores * SCORE_BINS), 0, SCORE_BINS).astype(np.int64)
        last = np.ones(len(bins), dtype=bool)  # scores are sorted: the last of a bin is its largest
        last[:-1] = bins[1:] != bins[:-1]
        ends = np.flatnonzero(last)
        counts = np.diff(np.concatenate(([-1], ends)))
        return cls(bins[ends], counts, scores[ends])

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def merge(self, other: ScoreHistogram) -> ScoreHistogram:
        bins = np.concatenate([self.bins, other.bins])
        merged, inverse = np.unique(bins, return_inverse=True)
        counts = np.bincount(
            inverse, weights=np.concatenate([self.counts, other.counts]), minlength=len(merged)
        )
        maxima = np.full(len(merged), -np.inf)
        np.maximum.at(maxima, inverse, np.concatenate([self.maxima, other.maxima]))
        return ScoreHistogram(merged, counts.astype(np.int64), maxima)

    def edges(self, n_buckets: int = N_BUCKETS) -> list[float]:
        """bucket_edges() from the summary (within MAX_EDGE_ERROR, see above)."""
        n = self.total
        if n == 0:
            return []
        cumulative = np.cumsum(self.counts)
        # the 1-based rank numpy's inverted_cdf picks: ceil(q n) in floating point, q = k / n_buckets
        # (0.55 * 200,000 rounds up to 110,001): the same arithmetic gives the same order statistic
        ranks = [max(1, math.ceil(k / n_buckets * n)) for k in range(1, n_buckets)]
        return [float(self.maxima[np.searchsorted(cumulative, r, side="left")]) for r in ranks]


def cutoff_from_counts(bucket_counts: np.ndarray, fraction: float) -> float:
    """top_fraction_cutoff() from the count of documents per ensemble bucket (mergeable)."""
    n_buckets = len(bucket_counts)
    total = int(bucket_counts.sum())
    if total == 0 or fraction >= 1:
        return 0.0
    n_keep = max(1, math.ceil(fraction * total))
    from_top = np.cumsum(bucket_counts[::-1])
    bucket = n_buckets - 1 - int(np.searchsorted(from_top, n_keep, side="left"))
    return bucket / (n_buckets - 1)
