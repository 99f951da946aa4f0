"""Matching and clustering: equal keys -> matches, components -> clusters, one kept per cluster."""

import numpy as np

from curator.stages.dedup.buckets import find_matches, hash_range, read_range
from curator.stages.dedup.clusters import cluster
from curator.stages.dedup.files import KEY_DTYPE, MATCH_DTYPE, save_array


def union_find_partition(pairs) -> set[frozenset]:
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups = {}
    for x in parent:
        groups.setdefault(find(x), set()).add(x)
    return {frozenset(g) for g in groups.values()}


def matches(pairs) -> np.ndarray:
    out = np.empty(len(pairs), MATCH_DTYPE)
    if pairs:
        out["a"], out["b"] = zip(*pairs, strict=True)
    return out


def test_clusters_equal_union_find_and_keep_smallest():
    rng = np.random.default_rng(0)
    nodes = rng.choice(10**12, size=3000, replace=False).astype(np.uint64)
    pairs = [(int(nodes[i]), int(nodes[j])) for i, j in rng.integers(0, 3000, size=(2500, 2)) if i != j]
    result = cluster(matches(pairs))
    got = {}
    for node, kept in zip(result.nodes.tolist(), result.kept.tolist(), strict=True):
        got.setdefault(kept, set()).add(node)
    partition = {frozenset(g) for g in got.values()}
    assert partition == union_find_partition(pairs)
    for kept, members in got.items():
        assert result.nodes[kept] == min(members)  # the first document is kept
    sizes = dict(zip(result.nodes.tolist(), result.sizes.tolist(), strict=True))
    assert all(sizes[n] == len(g) for g in partition for n in g)
    assert result.removed.sum() == len(result.nodes) - len(partition)


def test_exact_flag_follows_exact_matches_only():
    # 1=2 exact, 2~3 near, 4~5 near: 2 is an exact duplicate of 1, 3 a near one
    result = cluster(matches([(2, 3), (4, 5)]), matches([(1, 2)]))
    by_node = dict(
        zip(result.nodes.tolist(), zip(result.kept.tolist(), result.exact.tolist(), strict=True), strict=True)
    )
    assert [result.nodes[by_node[n][0]] for n in (1, 2, 3, 4, 5)] == [1, 1, 1, 4, 4]
    assert by_node[2][1] and not by_node[3][1] and not by_node[5][1]


def test_find_matches_pairs_each_run_with_its_first_document():
    rows = np.zeros(6, KEY_DTYPE)
    rows["hi"] = [5, 1, 5, 1, 9, 5]
    rows["lo"] = [0, 2, 0, 2, 9, 1]
    rows["doc"] = [30, 11, 10, 12, 40, 20]
    found = {(int(a), int(b)) for a, b in find_matches(rows)}
    assert found == {(10, 30), (11, 12)}  # (5,1) and (9,9) are singletons


def test_hash_ranges_partition_a_keys_file(tmp_path):
    rows = np.zeros(1000, KEY_DTYPE)
    rows["hi"] = np.random.default_rng(1).integers(0, 2**64 - 1, 1000, dtype=np.uint64)
    rows["doc"] = np.arange(1000)
    rows.sort(order=["hi", "lo", "doc"])
    save_array(tmp_path / "00000.npy", rows)
    parts = [read_range(tmp_path / "00000.npy", *hash_range(p, 7)) for p in range(7)]
    assert sum(len(p) for p in parts) == 1000
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)["doc"]), np.arange(1000))
