"""Rehydration (FineWeb2): how many times a deduplicated document returns, from the size of its cluster.

Global dedup keeps one document per cluster and records the cluster size. Some duplication is a
sign of quality (pages worth copying), too much is a sign of boilerplate/spam. Two ways to turn
cluster size into repetitions, both expressed as weights over cluster-size buckets:
- a fixed table (FineWeb2's published weights);
- the data-driven mode: per language, the filters' removal rate of each bucket is compared with the
  language's global removal rate. Buckets the filters remove less often than average hold better
  documents and are upsampled, linearly in how much less often, up to `max_repetitions`; the
  others stay at 1. The raw weights are smoothed over neighbouring buckets and rounded.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def table_buckets(table: dict[int, int]) -> tuple[list[int], list[int]]:
    """A {lowest cluster size: repetitions} table as (bucket lower bounds, weights), starting at size 1."""
    edges = sorted(table)
    weights = [table[e] for e in edges]
    if edges[0] > 1:  # sizes below the smallest key are documents as they are
        edges, weights = [1, *edges], [1, *weights]
    return edges, weights


def bucket_of(cluster_sizes: np.ndarray, edges: Sequence[int]) -> np.ndarray:
    """Bucket index of each cluster size: the last edge <= size (sizes < 1 count as unique)."""
    idx = np.searchsorted(np.asarray(edges), np.asarray(cluster_sizes), side="right") - 1
    return np.clip(idx, 0, len(edges) - 1)


def bucket_index(cluster_size: int | None, edges: Sequence[int]) -> int:
    """bucket_of for one document (the write pass); a missing size counts as unique."""
    return max(0, bisect.bisect_right(edges, cluster_size or 1) - 1)


def bucket_label(edges: Sequence[int], i: int) -> str:
    """'[5,100)' style label of bucket i, for mix.json."""
    upper = edges[i + 1] if i + 1 < len(edges) else None
    return f"[{edges[i]},{upper})" if upper is not None else f"[{edges[i]},inf)"


@dataclass
class RemovalRateWeights:
    """The data-driven weights of one language and the numbers they come from (reported in mix.json)."""

    global_rate: float | None  # None: no document with a cluster size was seen
    rates: list[float | None]  # per bucket; None: no documents in the bucket
    raw: list[float]  # before smoothing
    weights: list[int]  # smoothed, rounded, in [1, max_repetitions]


def removal_rate_weights(
    kept: Sequence[int],
    removed: Sequence[int],
    max_repetitions: int,
    window: int = 3,
    min_bucket_docs: int = 1,
) -> RemovalRateWeights:
    """FineWeb2's data-driven rehydration weights of one language from per-bucket document counts.

    kept[i] / removed[i]: documents of cluster-size bucket i that passed / were removed by the filters.
    A bucket with removal rate r below the language's global rate g gets 1 + (max-1) * (g - r) / g
    (max for a bucket never removed, 1 at the global rate); others get 1, as do buckets with fewer
    than `min_bucket_docs` documents (too little evidence). The moving average over `window`
    neighbouring buckets (empty buckets skipped, the window shrinks at the ends) is rounded half up.
    """
    kept_a, removed_a = np.asarray(kept, dtype=float), np.asarray(removed, dtype=float)
    total = kept_a + removed_a
    n_all = total.sum()
    rates: list[float | None] = [float(r / t) if t else None for r, t in zip(removed_a, total, strict=True)]
    if n_all == 0:
        return RemovalRateWeights(None, rates, [1.0] * len(total), [1] * len(total))
    global_rate = float(removed_a.sum() / n_all)
    raw = []
    for rate, n in zip(rates, total, strict=True):
        if rate is None or n < min_bucket_docs or global_rate == 0 or rate >= global_rate:
            raw.append(1.0)
        else:
            raw.append(1.0 + (max_repetitions - 1) * (global_rate - rate) / global_rate)
    present = [i for i, n in enumerate(total) if n > 0]
    half = window // 2
    weights = [1] * len(total)
    for pos, i in enumerate(present):
        neighbours = present[max(0, pos - half) : pos + half + 1]
        mean = sum(raw[j] for j in neighbours) / len(neighbours)
        weights[i] = int(min(max_repetitions, max(1, np.floor(mean + 0.5))))
    return RemovalRateWeights(global_rate, rates, raw, weights)
