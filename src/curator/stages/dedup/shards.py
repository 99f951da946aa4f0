"""Dedup phase 3, sharded: the connected components of the match graph as N-task barrier jobs.

The single-task clusters phase (clusters.py) holds every match pair at once (~126 B per pair:
0.3-3 TB for one Common Crawl dump). Here no task ever holds more than its share of the edges
(plus the residual, below), and the result is identical to the single task's: every component is
labelled by its smallest document key, so the kept document, the cluster sizes and the exact flags
do not depend on the number of tasks or on the order work is done in.

Jobs (each N tasks; every task writes its own files atomically, so a killed task reruns alone):
1. local:  task t takes the t-th slice of every match file and finds the components of that slice
           (scipy). Each slice component becomes a star (member -> its smallest member): repeated
           pairs (a pair is found in up to 15 bands) and whole clusters that fall in one slice
           collapse here. Stars go to the rounds partitioned by node hash, both directions.
2. rounds: alternating large-star / small-star (Kiveris et al. 2014, "Connected Components in
           MapReduce and Beyond"). Large-star at u links every larger neighbour of u to the
           smallest of u's neighbourhood; small-star at u links u and its smaller neighbours to the
           smallest of them. Neither adds edges nor changes components; together they converge to
           one star per component centred on its smallest node.
3. finish: per node: a leaf (exactly one neighbour, smaller: its parent), a centre (no smaller
           neighbour) or "unfinished" (anything else). The edges at unfinished nodes are the
           residual; once the rounds have converged it is empty.
4. labels: every task reads the whole residual (small) and labels its components by their
           smallest node; a leaf takes its parent's label. Star sizes are counted where the star's
           centre is owned; residual components are counted in parts and summed in 5.
5. decide: task t writes the decisions of the document tasks r with r % N == t.

Exactness does not depend on the number of rounds: the residual is clustered exactly by each task
in 4 (a component's smallest node is never a leaf, so removing leaves keeps its label). The rounds
only keep the residual small; `scripts/bench/scale_dedup.py` reports its size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from curator.core.accounting import metric_key
from curator.stages.dedup.clusters import (
    EXACT_DUPLICATE,
    MINHASH_DUPLICATE,
    _dense,
    components,
    record_growth,
    write_decisions,
)
from curator.stages.dedup.files import EXACT_BAND, MATCH_DTYPE, DedupFiles, record_peak_memory, save_array

EDGE = MATCH_DTYPE  # (a, b): an edge a -> b, or a record (node, value)
LABEL_DTYPE = np.dtype([("node", "<u8"), ("label", "<u8"), ("size", "<i8")])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_EMPTY_EDGES = np.empty(0, EDGE)


def node_part(keys: np.ndarray, parts: int) -> np.ndarray:
    """Owner task of each node key: a multiplicative hash, so the tasks' nodes are balanced even
    though keys are (rank, position) and a cluster's members are often neighbours."""
    with np.errstate(over="ignore"):
        mixed = (keys.astype(np.uint64) * _GOLDEN) >> np.uint64(32)
    return (mixed % np.uint64(parts)).astype(np.int64)


def rank_part(keys: np.ndarray, parts: int) -> np.ndarray:
    """Decide task of each node key: the one writing its document task's decisions (rank % parts)."""
    return ((keys >> np.uint64(32)) % np.uint64(parts)).astype(np.int64)


class ShardFiles:
    """OUTPUT/stages/<stage>/shards/<step>/<task>.npy (+ .offsets.npy for partitioned files)."""

    def __init__(self, stage_dir: str | Path):
        self.root = Path(stage_dir) / "shards"

    def path(self, step: str, task: int) -> Path:
        return self.root / step / f"{task:05d}.npy"

    def save_parts(self, step: str, task: int, rows: np.ndarray, parts: np.ndarray, n: int) -> None:
        """rows grouped by destination task; offsets[d]:offsets[d+1] are task d's rows."""
        order = np.argsort(parts, kind="stable")
        offsets = np.searchsorted(parts[order], np.arange(n + 1)).astype(np.int64)
        path = self.path(step, task)
        save_array(path.with_suffix(".offsets.npy"), offsets)
        save_array(path, rows[order])

    def load_part(self, step: str, part: int, n: int, dtype=EDGE) -> np.ndarray:
        """Task `part`'s rows from the files of tasks 0..n-1 of `step` (memory-mapped slices)."""
        chunks = []
        for task in range(n):
            path = self.path(step, task)
            offsets = np.load(path.with_suffix(".offsets.npy"))
            if len(offsets) != n + 1:
                raise ValueError(
                    f"{path}: written for {len(offsets) - 1} tasks, read with {n}: the cluster task count "
                    f"changed between jobs of one run; rerun the dedup stage with --fresh"
                )
            lo, hi = int(offsets[part]), int(offsets[part + 1])
            if hi > lo:
                chunks.append(np.array(np.load(path, mmap_mode="r")[lo:hi]))
        return np.concatenate(chunks) if chunks else np.empty(0, dtype)

    def load_all(self, step: str, n: int, dtype=EDGE) -> np.ndarray:
        chunks = [np.load(self.path(step, task)) for task in range(n)]
        return np.concatenate(chunks) if chunks else np.empty(0, dtype)


def both_directions(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    edges = np.empty(2 * len(a), EDGE)
    edges["a"][: len(a)], edges["b"][: len(a)] = a, b
    edges["a"][len(a) :], edges["b"][len(a) :] = b, a
    return edges


def sorted_unique(edges: np.ndarray) -> np.ndarray:
    """Edges sorted by (a, b), repeats dropped: each node's neighbours are one sorted run."""
    if not len(edges):
        return edges
    edges = edges[np.lexsort((edges["b"], edges["a"]))]
    keep = np.ones(len(edges), bool)
    keep[1:] = (edges["a"][1:] != edges["a"][:-1]) | (edges["b"][1:] != edges["b"][:-1])
    return edges[keep]


def _group_starts(src: np.ndarray) -> np.ndarray:
    """Per row, the index of the first row of its node's run (src sorted)."""
    first = np.ones(len(src), bool)
    first[1:] = src[1:] != src[:-1]
    starts = np.flatnonzero(first)
    return starts[np.cumsum(first) - 1]


def local_stars(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Components of the edges a-b as stars: (member, smallest member) for every other member."""
    if not len(a):
        return a, b
    nodes, index = _dense(np.concatenate([a, b]))
    labels = components(len(nodes), index[: len(a)], index[len(a) :])
    first = np.full(labels.max() + 1, len(nodes), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(nodes)))
    roots = nodes[first[labels]]
    other = roots != nodes
    return nodes[other], roots[other]


def large_star(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At each node u: every neighbour v > u is linked to min(u, neighbours of u)."""
    src, dst = edges["a"], edges["b"]
    starts = _group_starts(src)
    smallest = np.minimum(src, dst[starts])  # dst sorted within a node: its first is the smallest
    larger = dst > src
    return dst[larger], smallest[larger]


def small_star(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At each node u with smaller neighbours S: u and every v in S are linked to min(S)."""
    smaller = edges[edges["b"] < edges["a"]]
    src, dst = smaller["a"], smaller["b"]
    if not len(src):
        return src, dst
    smallest = dst[_group_starts(src)]
    others = dst != smallest  # min(S) itself would be a self-loop
    first = np.ones(len(src), bool)
    first[1:] = src[1:] != src[:-1]
    return np.concatenate([dst[others], src[first]]), np.concatenate([smallest[others], smallest[first]])


def finish(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nodes, parent of each node, residual edges) of a task's nodes and their neighbours."""
    src, dst = edges["a"], edges["b"]
    if not len(src):
        return src, src, _EMPTY_EDGES
    first = np.ones(len(src), bool)
    first[1:] = src[1:] != src[:-1]
    starts = np.flatnonzero(first)
    smaller = np.add.reduceat((dst < src).astype(np.int64), starts)
    larger = np.add.reduceat((dst > src).astype(np.int64), starts)
    nodes = src[starts]
    leaf = (smaller == 1) & (larger == 0)
    unfinished = ((smaller >= 1) & (larger >= 1)) | (smaller >= 2)
    parents = np.where(leaf, dst[starts], nodes)  # a leaf's one neighbour is its first
    rows = unfinished[np.cumsum(first) - 1]
    residual = np.empty(int(rows.sum()), EDGE)
    residual["a"] = np.minimum(src[rows], dst[rows])
    residual["b"] = np.maximum(src[rows], dst[rows])
    return nodes, parents, sorted_unique(residual)


def residual_labels(residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted nodes of the residual, the smallest node of each one's component)."""
    if not len(residual):
        return np.empty(0, np.uint64), np.empty(0, np.uint64)
    nodes, index = _dense(np.concatenate([residual["a"], residual["b"]]))
    labels = components(len(nodes), index[: len(residual)], index[len(residual) :])
    first = np.full(labels.max() + 1, len(nodes), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(nodes)))
    return nodes, nodes[first[labels]]


def lookup(sorted_keys: np.ndarray, values: np.ndarray, keys: np.ndarray, default: np.ndarray):
    """values[i] where sorted_keys[i] == key, else default (elementwise)."""
    if not len(sorted_keys):
        return default.copy()
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    found = sorted_keys[pos] == keys
    return np.where(found, values[pos], default)


STEPS = ("local", "round", "finish", "labels", "decide")


def round_kind(index: int) -> str:
    """Round 1, 3, ... large-star; 2, 4, ... small-star."""
    return "large" if index % 2 else "small"


class ShardedClusters(PipelineStep):
    """One job of the sharded clusters phase: `step` in STEPS, `round_index` for rounds (1..)."""

    name = "🫂 dedup clusters (sharded)"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        stage_dir: str,
        step: str,
        tasks: int,
        rounds: int,
        round_index: int = 0,
        against: list[str] | tuple[str, ...] = (),
    ):
        super().__init__()
        if step not in STEPS:
            raise ValueError(f"unknown sharded clusters step {step!r} (one of {STEPS})")
        self.files = DedupFiles(stage_dir, against)
        self.shards = ShardFiles(stage_dir)
        self.step, self.tasks, self.rounds, self.round_index = step, tasks, rounds, round_index

    def _edges_before_finish(self) -> str:
        return f"r{self.rounds:02d}"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if world_size != self.tasks:
            raise ValueError(
                f"dedup clusters {self.step}: built for {self.tasks} tasks, run with {world_size}"
            )
        with self.track_time():
            getattr(self, f"_{self.step}")(rank)
        peak = record_peak_memory(self)
        logger.info(f"dedup clusters {self.step} {self.round_index or ''} task {rank}: peak {peak:.0f} MB")

    # 1 ------------------------------------------------------------------------------------------
    def _slice(self, paths: list[Path], rank: int) -> np.ndarray:
        chunks = []
        for path in paths:
            rows = np.load(path, mmap_mode="r")
            lo, hi = len(rows) * rank // self.tasks, len(rows) * (rank + 1) // self.tasks
            chunks.append(np.array(rows[lo:hi]))
        return np.concatenate(chunks) if chunks else _EMPTY_EDGES

    def _local(self, rank: int) -> None:
        n = self.tasks
        exact_paths = self.files.match_files(EXACT_BAND)
        other = [p for p in self.files.match_files() if not p.name.startswith(EXACT_BAND + "-")]
        exact = self._slice(exact_paths, rank)
        # exact roots (document -> first document of its equal text), by decide task of the document
        roots = np.empty(len(exact), EDGE)
        roots["a"], roots["b"] = exact["b"], exact["a"]
        self.shards.save_parts("exact", rank, roots, rank_part(roots["a"], n), n)
        matches = np.concatenate([exact, self._slice(other, rank)])
        self.stat_update("pairs_read", value=len(matches))
        members, roots_ = local_stars(matches["a"], matches["b"])
        del matches
        edges = both_directions(members, roots_)
        self.stat_update("star_edges", value=len(members))
        self.shards.save_parts("r00", rank, edges, node_part(edges["a"], n), n)

    # 2 ------------------------------------------------------------------------------------------
    def _round(self, rank: int) -> None:
        n, k = self.tasks, self.round_index
        edges = sorted_unique(self.shards.load_part(f"r{k - 1:02d}", rank, n))
        new_a, new_b = (large_star if round_kind(k) == "large" else small_star)(edges)
        self.stat_update(f"round_{k:02d}_edges_in", value=len(edges))
        del edges
        out = both_directions(new_a, new_b)
        self.shards.save_parts(f"r{k:02d}", rank, out, node_part(out["a"], n), n)

    # 3 ------------------------------------------------------------------------------------------
    def _finish(self, rank: int) -> None:
        n = self.tasks
        edges = sorted_unique(self.shards.load_part(self._edges_before_finish(), rank, n))
        nodes, parents, residual = finish(edges)
        del edges
        save_array(self.shards.path("residual", rank), residual)
        records = np.empty(len(nodes), EDGE)
        records["a"], records["b"] = nodes, parents
        self.shards.save_parts("parents", rank, records, node_part(parents, n), n)
        self.stat_update("residual_edges", value=len(residual))

    # 4 ------------------------------------------------------------------------------------------
    def _labels(self, rank: int) -> None:
        n = self.tasks
        r_nodes, r_labels = residual_labels(self.shards.load_all("residual", n))
        records = self.shards.load_part("parents", rank, n)
        nodes, parents = records["a"], records["b"]
        pos = np.minimum(np.searchsorted(r_nodes, parents), max(len(r_nodes) - 1, 0))
        in_residual = (r_nodes[pos] == parents) if len(r_nodes) else np.zeros(len(parents), bool)
        labels = np.where(in_residual, r_labels[pos] if len(r_nodes) else parents, parents)
        # stars (parent outside the residual): the centre and all its leaves are owned here
        centres, star_sizes = np.unique(parents[~in_residual], return_counts=True)
        sizes = np.zeros(len(nodes), np.int64)
        sizes[~in_residual] = lookup(centres, star_sizes, parents[~in_residual], np.zeros(1, np.int64))
        r_label, r_count = np.unique(labels[in_residual], return_counts=True)
        counts = np.empty(len(r_label) + 1, EDGE)
        counts["a"][:-1], counts["b"][:-1] = r_label, r_count
        counts["a"][-1], counts["b"][-1] = np.iinfo(np.uint64).max, star_sizes.max(initial=0)  # largest star
        save_array(self.shards.path("counts", rank), counts)
        out = np.empty(len(nodes), LABEL_DTYPE)
        out["node"], out["label"], out["size"] = nodes, labels, sizes
        self.shards.save_parts("labels", rank, out, rank_part(nodes, n), n)

    # 5 ------------------------------------------------------------------------------------------
    def _decide(self, rank: int) -> None:
        n = self.tasks
        counts = self.shards.load_all("counts", n)
        sentinel = counts["a"] == np.iinfo(np.uint64).max
        largest_star = int(counts["b"][sentinel].max(initial=0))
        counts = counts[~sentinel]
        r_label, inverse = np.unique(counts["a"], return_inverse=True)
        r_size = np.bincount(inverse, weights=counts["b"], minlength=len(r_label)).astype(np.int64)
        records = self.shards.load_part("labels", rank, n, LABEL_DTYPE)
        records = records[np.argsort(records["node"])]
        nodes, kept = records["node"], records["label"]
        sizes = np.where(records["size"] > 0, records["size"], lookup(r_label, r_size, kept, records["size"]))
        exact = self.shards.load_part("exact", rank, n)
        exact = exact[np.argsort(exact["a"])]
        exact_root = lookup(exact["a"], exact["b"], nodes, nodes)
        same_text = exact_root == kept
        # the document tasks whose nodes rank_part sends here (their index rank, with `against`)
        ranks = [r for r in self.files.document_ranks() if self.files.index_rank(r) % n == rank]
        record_growth(self, write_decisions(self.files, nodes, kept, sizes, same_text, ranks))
        removed = kept != nodes
        n_exact = int((removed & same_text).sum())
        self.stat_update("clusters", value=int((~removed).sum()))
        self.stat_update("documents_in_clusters", value=len(nodes))
        self.stat_update(metric_key("to_remove", EXACT_DUPLICATE), value=n_exact)
        self.stat_update(metric_key("to_remove", MINHASH_DUPLICATE), value=int(removed.sum()) - n_exact)
        if rank == 0 and (largest_star or len(r_size)):
            # the largest cluster is known globally (every task reads all counts): one task reports it
            self.stat_update("largest_cluster", value=max(largest_star, int(r_size.max(initial=0))))


def run_sharded(stage_dir: str | Path, tasks: int, rounds: int = 4) -> None:
    """Every job of the sharded phase in this process, task by task (tests and the scale bench;
    a run executes them as barrier jobs built by the dedup block)."""
    jobs = [("local", 0)] + [("round", k) for k in range(1, rounds + 1)]
    for step, index in [*jobs, ("finish", 0), ("labels", 0), ("decide", 0)]:
        for rank in range(tasks):
            list(ShardedClusters(str(stage_dir), step, tasks, rounds, index).run(None, rank, tasks))
