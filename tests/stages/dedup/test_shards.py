"""Sharded clustering equals the single-task clustering: same kept document, cluster size, reason and
duplicate_of for every matched document, for every task count and number of rounds."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curator.stages.dedup.clusters import DedupClusters
from curator.stages.dedup.files import MATCH_DTYPE, DedupFiles, doc_key, save_array, save_table
from curator.stages.dedup.shards import run_sharded


def write_corpus(stage_dir, ranks: int, per_rank: int, pairs: dict[str, np.ndarray]) -> None:
    files = DedupFiles(stage_dir)
    for r in range(ranks):
        ids = pa.array([f"doc-{r}-{p}" for p in range(per_rank)])
        save_table(files.documents(r), pa.table({"id": ids}))
    for name, edges in pairs.items():
        save_array(files.root / "matches" / f"{name}.npy", edges)


def decisions(stage_dir, ranks: int) -> dict[int, list[dict]]:
    files = DedupFiles(stage_dir)
    return {r: pq.read_table(files.decisions(r)).to_pylist() for r in range(ranks)}


def edges(pairs) -> np.ndarray:
    pairs = np.asarray(pairs, dtype=np.uint64).reshape(-1, 2)
    out = np.empty(len(pairs), MATCH_DTYPE)
    out["a"], out["b"] = pairs[:, 0], pairs[:, 1]
    return out


def key(rank, position) -> int:
    return int(doc_key(rank, position))


def graph(ranks=6, per_rank=4000, seed=0):
    """Chains, stars, a 10^4-member cluster, random small clusters, exact runs, repeated pairs."""
    rng = np.random.default_rng(seed)
    keys = np.array([key(r, p) for r in range(ranks) for p in range(per_rank)], dtype=np.uint64)
    perm = keys[rng.permutation(len(keys))]
    used = 0

    def take(k):
        nonlocal used
        used += k
        return perm[used - k : used]

    minhash, exact = [], []
    chain = take(3000)  # a path in random key order: the hardest case for label propagation
    minhash += list(zip(chain[:-1], chain[1:], strict=True))
    star = take(2000)  # a star centred on a large key
    minhash += [(star[0], s) for s in star[1:]]
    big = take(10_000)  # a 10^4-member cluster: a random tree plus repeated band pairs
    parent = big[rng.integers(0, np.arange(1, len(big)))]
    minhash += list(zip(parent, big[1:], strict=True)) * 2
    for _ in range(1500):  # heavy-tailed small clusters
        size = int(min(rng.zipf(2.0) + 1, 50))
        members = np.sort(take(size))
        minhash += [(members[0], m) for m in members[1:]]
    run = np.sort(take(30))  # exact duplicates: runs paired with their first (smallest) document
    exact += [(run[0], m) for m in run[1:]]
    exact += [(chain[10], chain[11])] if chain[10] < chain[11] else [(chain[11], chain[10])]
    return (
        ranks,
        per_rank,
        {
            "exact-000": edges(exact),
            "band_000-000": edges(minhash[::2]),
            "band_001-000": edges(minhash[1::2]),
        },
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    ranks, per_rank, pairs = graph()
    single = tmp_path_factory.mktemp("single")
    write_corpus(single, ranks, per_rank, pairs)
    list(DedupClusters(str(single)).run(None, 0, 1))
    return ranks, per_rank, pairs, decisions(single, ranks)


@pytest.mark.parametrize(("tasks", "rounds"), [(1, 4), (3, 0), (4, 4), (7, 2), (16, 6)])
def test_sharded_equals_single_task(tmp_path, corpus, tasks, rounds):
    ranks, per_rank, pairs, expected = corpus
    write_corpus(tmp_path, ranks, per_rank, pairs)
    run_sharded(tmp_path, tasks, rounds)
    got = decisions(tmp_path, ranks)
    assert got == expected
    sizes = [row["cluster_size"] for rows in got.values() for row in rows]
    assert max(sizes) == 10_000 and sizes.count(3000) == 3000  # the big cluster and the chain
    reasons = [row["reason"] for rows in got.values() for row in rows]
    assert reasons.count("exact_duplicate") == 29  # the run of 30; the chain pair is not the kept text


def test_rounds_shrink_the_residual(tmp_path, corpus):
    ranks, per_rank, pairs, _ = corpus
    write_corpus(tmp_path, ranks, per_rank, pairs)
    residual = {}
    for rounds in (0, 8):
        run_sharded(tmp_path, 4, rounds)
        residual[rounds] = sum(len(np.load(p)) for p in (tmp_path / "shards" / "residual").glob("*.npy"))
    assert residual[8] < residual[0] / 10
