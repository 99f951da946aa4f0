"""Dedup phase 3 (barrier, one task): clusters of matched documents, and which one each keeps.

Clusters are the connected components of the match graph, found by scipy's compiled graph
search over arrays (datatrove unions pairs one by one in a Python dict). Only documents with at
least one match are nodes, so memory follows the number of matches, not of documents. Each
cluster keeps its first document (smallest task, then position: deterministic, and the earliest
dump first when inputs are listed in order). A removed document is an exact duplicate when its
normalised text equals the kept one's (same component of the exact matches alone).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from curator.core.accounting import metric_key
from curator.core.docio import load_table
from curator.stages.dedup.files import (
    EXACT_BAND,
    MATCH_DTYPE,
    DedupFiles,
    record_peak_memory,
    save_table,
    split_doc_key,
)

EXACT_DUPLICATE = "exact_duplicate"
MINHASH_DUPLICATE = "minhash_duplicate"


def components(n_nodes: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of each node of the undirected graph with edges a[i]-b[i]."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_nodes, n_nodes)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels


def _dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct keys, index of each key among them): np.unique(return_inverse=True) with one
    sort and fewer temporaries (its hash-based path is slower here)."""
    order = np.argsort(keys)
    keys = keys[order]
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    nodes = keys[first]
    del keys
    index = np.empty(len(order), dtype=np.int32 if len(nodes) < 2**31 else np.int64)
    index[order] = np.cumsum(first, dtype=index.dtype) - 1
    return nodes, index


@dataclass
class Clusters:
    nodes: np.ndarray  # sorted keys of the documents with at least one match
    kept: np.ndarray  # per node: index (into nodes) of the node its cluster keeps
    sizes: np.ndarray  # per node: the size of its cluster
    exact: np.ndarray  # per node: same normalised text as its kept node

    @property
    def removed(self) -> np.ndarray:
        return self.kept != np.arange(len(self.nodes))


def cluster(matches: np.ndarray, exact_matches: np.ndarray | None = None) -> Clusters:
    """Clusters of all matches (MATCH_DTYPE arrays); `exact_matches` are part of them too."""
    exact_matches = np.empty(0, MATCH_DTYPE) if exact_matches is None else exact_matches
    n_exact = len(exact_matches)
    nodes, index = _dense(
        np.concatenate([exact_matches["a"], matches["a"], exact_matches["b"], matches["b"]])
    )
    a, b = index[: len(index) // 2], index[len(index) // 2 :]
    labels = components(len(nodes), a, b)
    # nodes are sorted: the smallest node index of each component is its smallest key, the kept document
    first = np.full(labels.max() + 1 if len(labels) else 0, len(nodes), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(nodes)))
    kept = first[labels]
    sizes = np.bincount(labels)[labels]
    exact_labels = components(len(nodes), a[:n_exact], b[:n_exact])
    return Clusters(nodes, kept, sizes, exact_labels == exact_labels[kept])


def load_matches(files) -> np.ndarray:
    parts = [np.load(path) for path in files]
    return np.concatenate(parts) if parts else np.empty(0, MATCH_DTYPE)


class DedupClusters(PipelineStep):
    name = "🫂 dedup clusters"
    type = "🫂 - DEDUP"

    def __init__(self, stage_dir: str, against: list[str] | tuple[str, ...] = ()):
        super().__init__()
        self.files = DedupFiles(stage_dir, against)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if world_size != 1:
            raise ValueError("dedup clusters runs as one task (GlobalPhase tasks=1)")
        with self.track_time():
            exact = load_matches(self.files.match_files(EXACT_BAND))
            minhash = load_matches(
                [p for p in self.files.match_files() if not p.name.startswith(EXACT_BAND + "-")]
            )
            clusters = cluster(minhash, exact)
            del exact, minhash
            grown = write_decisions(
                self.files,
                clusters.nodes,
                clusters.nodes[clusters.kept],
                clusters.sizes,
                clusters.exact,
                self.files.document_ranks(),
            )
        removed = clusters.removed
        n_exact = int((removed & clusters.exact).sum())
        self.stat_update("clusters", value=int((~removed).sum()))
        self.stat_update("documents_in_clusters", value=len(clusters.nodes))
        self.stat_update(metric_key("to_remove", EXACT_DUPLICATE), value=n_exact)
        self.stat_update(metric_key("to_remove", MINHASH_DUPLICATE), value=int(removed.sum()) - n_exact)
        if len(clusters.nodes):
            self.stat_update("largest_cluster", value=int(clusters.sizes.max()))
        record_growth(self, grown)
        peak = record_peak_memory(self)
        logger.info(
            f"dedup clusters: {len(clusters.nodes)} documents in {int((~removed).sum())} clusters, "
            f"{int(removed.sum())} to remove; peak memory {peak:.0f} MB"
        )


def _kept_ids(files: DedupFiles, kept_keys: np.ndarray) -> pa.Array:
    """Ids of the documents `kept_keys` (sorted document keys), read task by task. An earlier run's
    document (`against`) that its own run removed stands for the document that run kept instead
    (its decisions' duplicate_of): the id a reader finds in that run's data."""
    ranks, positions = split_doc_key(kept_keys)
    chunks = []
    for r in np.unique(ranks):
        ids = load_table(files.id_file(int(r)), columns=["id"]).column("id").combine_chunks()
        taken = ids.take(pa.array(positions[ranks == r]))
        if r < files.rank_base:
            decisions = load_table(files.earlier_decisions(int(r)), columns=["position", "duplicate_of"])
            replaced = decisions.filter(pc.is_valid(decisions.column("duplicate_of"))).to_pydict()
            instead = dict(zip(replaced["position"], replaced["duplicate_of"], strict=True))
            taken = pa.array(
                [
                    instead.get(int(p), i)
                    for p, i in zip(positions[ranks == r], taken.to_pylist(), strict=True)
                ],
                pa.string(),
            )
        chunks.append(taken)
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


def record_growth(step: PipelineStep, grown: tuple[int, int]) -> None:
    """With `against`: how the earlier runs' clusters grew (new documents that joined one, and the
    earlier clusters they joined; a sharded run sums the latter per decide task: an upper bound)."""
    if step.files.against:
        step.stat_update("against/new_documents_in_earlier_clusters", value=grown[0])
        step.stat_update("against/earlier_clusters_grown", value=grown[1])


def write_decisions(
    files: DedupFiles,
    nodes: np.ndarray,
    kept: np.ndarray,
    sizes: np.ndarray,
    exact: np.ndarray,
    ranks: list[int],
) -> tuple[int, int]:
    """decisions/<rank>.parquet for each of `ranks` (an empty table for a task without matches).

    nodes: sorted document keys of matched documents (those of other ranks may be absent); kept: per
    node, the key of the document its cluster keeps; sizes: cluster sizes; exact: same text as kept.
    Returns (documents of `ranks` whose cluster keeps an earlier run's document, such clusters).
    """
    removed = kept != nodes
    kept_keys = np.unique(kept[removed])
    kept_ids = _kept_ids(files, kept_keys)
    node_ranks, positions = split_doc_key(nodes)
    joined, grown = 0, set()
    for r in ranks:
        index_rank = files.index_rank(r)
        lo, hi = np.searchsorted(node_ranks, [index_rank, index_rank + 1])  # a task's nodes are contiguous
        gone = removed[lo:hi]
        if files.against:
            earlier = files.is_earlier(kept[lo:hi])
            joined += int(earlier.sum())
            grown.update(kept[lo:hi][earlier].tolist())
        id_index = np.searchsorted(kept_keys, kept[lo:hi])
        id_index[~gone] = 0
        reasons = np.where(exact[lo:hi], EXACT_DUPLICATE, MINHASH_DUPLICATE)
        table = pa.table(
            {
                "position": pa.array(positions[lo:hi], pa.uint32()),
                "cluster_size": pa.array(sizes[lo:hi], pa.int64()),
                "duplicate_of": kept_ids.take(pa.array(id_index, mask=~gone))
                if len(kept_ids)
                else pa.nulls(hi - lo, pa.string()),
                "reason": pa.array(reasons, pa.string(), mask=~gone),
            }
        )
        save_table(files.decisions(r), table)
    return joined, len(grown)
