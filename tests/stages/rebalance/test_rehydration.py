"""Both rehydration modes against hand-computed weights."""

import numpy as np
import pytest

from curator.stages.rebalance.params import FINEWEB2_TABLE, RehydrationParams
from curator.stages.rebalance.rehydration import (
    bucket_index,
    bucket_label,
    bucket_of,
    removal_rate_weights,
    table_buckets,
)


def table_weight(table, size):
    edges, weights = table_buckets(table)
    return weights[int(bucket_of(np.array([size]), edges)[0])]


@pytest.mark.parametrize(
    "size, expected",
    # FineWeb2's README: 1 -> 1, 2 and 3 -> N, 4 -> 3, [5,100) -> 5, [100,1000) -> 8, >= 1000 -> 1
    [(1, 1), (2, 2), (3, 3), (4, 3), (5, 5), (99, 5), (100, 8), (999, 8), (1000, 1), (250_000, 1)],
)
def test_fineweb2_table_ranges(size, expected):
    assert table_weight(FINEWEB2_TABLE, size) == expected


def test_table_without_size_one_keeps_small_clusters_once():
    assert table_weight({3: 2, 10: 4}, 1) == 1
    assert table_weight({3: 2, 10: 4}, 2) == 1
    assert table_weight({3: 2, 10: 4}, 9) == 2
    assert table_weight({3: 2, 10: 4}, 10) == 4


def test_bucket_labels():
    edges, _ = table_buckets(FINEWEB2_TABLE)
    assert [bucket_label(edges, i) for i in range(len(edges))] == [
        "[1,2)",
        "[2,3)",
        "[3,5)",
        "[5,100)",
        "[100,1000)",
        "[1000,inf)",
    ]


# kept/removed per bucket; removal rates 0.4, 0.1, 0.0, 0.2, 0.8; global rate 150/500 = 0.3
KEPT = [60, 90, 100, 80, 20]
REMOVED = [40, 10, 0, 20, 80]


def test_removal_rate_weights_without_smoothing():
    rr = removal_rate_weights(KEPT, REMOVED, max_repetitions=5, window=1)
    assert rr.global_rate == pytest.approx(0.3)
    assert rr.rates == pytest.approx([0.4, 0.1, 0.0, 0.2, 0.8])
    # 1 + 4 * (0.3 - r) / 0.3 below the global rate, else 1
    assert rr.raw == pytest.approx([1.0, 1 + 4 * 2 / 3, 5.0, 1 + 4 / 3, 1.0])
    assert rr.weights == [1, 4, 5, 2, 1]


def test_removal_rate_weights_smoothed_over_neighbours():
    rr = removal_rate_weights(KEPT, REMOVED, max_repetitions=5, window=3)
    r1, r3 = 1 + 4 * 2 / 3, 1 + 4 / 3
    means = [(1 + r1) / 2, (1 + r1 + 5) / 3, (r1 + 5 + r3) / 3, (5 + r3 + 1) / 3, (r3 + 1) / 2]
    assert means == pytest.approx([2.3333, 3.2222, 3.6667, 2.7778, 1.6667], abs=1e-4)
    assert rr.weights == [2, 3, 4, 3, 2]


def test_sparse_and_empty_buckets():
    # bucket 2 is empty: it is skipped by the moving average; bucket 3 has too few documents
    rr = removal_rate_weights([50, 80, 0, 3], [50, 20, 0, 0], max_repetitions=4, window=3, min_bucket_docs=10)
    # global rate 70/203; bucket 1: rate 0.2 -> 1 + 3 * (g - 0.2) / g; bucket 3: sparse -> 1
    g = 70 / 203
    raw1 = 1 + 3 * (g - 0.2) / g
    assert rr.raw == pytest.approx([1.0, raw1, 1.0, 1.0])
    assert rr.rates[2] is None
    assert rr.weights == [round((1 + raw1) / 2), round((1 + raw1 + 1) / 3), 1, round((raw1 + 1) / 2)]


def test_nothing_removed_means_no_upsampling():
    rr = removal_rate_weights([10, 10], [0, 0], max_repetitions=8)
    assert rr.global_rate == 0
    assert rr.weights == [1, 1]


def test_params_reject_even_window_and_unsorted_edges():
    with pytest.raises(ValueError, match="odd"):
        RehydrationParams(smoothing_window=2)
    with pytest.raises(ValueError, match="start at 1"):
        RehydrationParams(bucket_edges=[1, 5, 3])


def test_scalar_and_vector_bucket_lookups_agree():
    edges, _ = table_buckets(FINEWEB2_TABLE)
    sizes = [0, 1, 2, 3, 4, 5, 99, 100, 101, 999, 1000, 10**6]
    assert [bucket_index(s, edges) for s in sizes] == bucket_of(np.array(sizes), edges).tolist()
    assert bucket_index(None, edges) == 0
