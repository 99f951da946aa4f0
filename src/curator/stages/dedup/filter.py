"""Dedup phase 4 (in the next document job): remove the duplicates, keep one per cluster.

Task r reads the documents task r of the keys phase wrote, in the same order (the runner's
contract). Each document is found by its id among the ids that phase recorded (a hash lookup, so
an order change would not misapply decisions), and a document that is not there stops the task
with a message, instead of being kept or dropped by mistake.
"""

from __future__ import annotations

import contextlib

import numpy as np
import xxhash
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.core.accounting import count_removed
from curator.core.docio import load_table
from curator.stages.dedup.files import DedupFiles, record_peak_memory

CLUSTER_SIZE = "minhash_cluster_size"
DUPLICATE_OF = "duplicate_of"


def _id_hash(doc_id: str) -> int:
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8", "surrogatepass"))


class _TaskIndex:
    """Position of each document id of one task, and the dedup decision at each position."""

    def __init__(self, files: DedupFiles, rank: int):
        ids_path, decisions_path = files.documents(rank), files.decisions(rank)
        for path in (ids_path, decisions_path):
            if not path.is_file():
                raise FileNotFoundError(
                    f"{path} is missing: the dedup phases before this one did not finish for task {rank}. "
                    f"Rerun the same command to resume them."
                )
        ids = load_table(ids_path).column("id").to_pylist()
        hashes = np.fromiter((_id_hash(i) for i in ids), dtype=np.uint64, count=len(ids))
        self.order = np.argsort(hashes, kind="stable")
        self.sorted_hashes = hashes[self.order]
        self.ids = ids
        self.seen: dict[str, int] = {}  # repeated ids: how many documents with it were seen
        decisions = load_table(decisions_path).to_pydict()
        self.decision = {
            pos: (size, dup, reason)
            for pos, size, dup, reason in zip(
                decisions["position"],
                decisions["cluster_size"],
                decisions["duplicate_of"],
                decisions["reason"],
                strict=True,
            )
        }

    def position(self, doc_id: str) -> int | None:
        """Stream position of `doc_id`; a repeated id maps to its positions in order of arrival."""
        h = np.uint64(_id_hash(doc_id))
        lo = int(np.searchsorted(self.sorted_hashes, h, side="left"))
        hi = int(np.searchsorted(self.sorted_hashes, h, side="right"))
        if hi - lo == 1:
            position = int(self.order[lo])
            return position if self.ids[position] == doc_id else None
        candidates = [int(p) for p in self.order[lo:hi] if self.ids[p] == doc_id]
        nth = self.seen.get(doc_id, 0)
        self.seen[doc_id] = nth + 1
        return candidates[nth] if nth < len(candidates) else None


class DedupFilter(PipelineStep):
    name = "🫂 dedup filter"
    type = "🫂 - DEDUP"

    def __init__(self, stage_dir: str, exclusion_writer=None):
        super().__init__()
        self.files = DedupFiles(stage_dir)
        self.exclusion_writer = exclusion_writer

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        index = None
        with self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext() as writer:
            for doc in data:
                if index is None:
                    with self.track_time():
                        index = _TaskIndex(self.files, rank)
                keep = self._apply(index, doc, rank)
                if keep:
                    yield doc
                elif writer is not None:
                    writer.write(doc, rank)
        record_peak_memory(self)

    def _apply(self, index: _TaskIndex, doc: Document, rank: int) -> bool:
        position = index.position(doc.id)
        if position is None:
            raise RuntimeError(
                f"dedup: document '{doc.id}' reached task {rank} of the filter but was not keyed by task "
                f"{rank} of the keys phase: the documents changed between the dedup phases. Rerun the run "
                f"with --fresh."
            )
        size, duplicate_of, reason = index.decision.get(position, (1, None, None))
        doc.metadata[CLUSTER_SIZE] = int(size)
        if reason is None:
            return True
        doc.metadata[DUPLICATE_OF] = duplicate_of
        count_removed(self, doc, reason)
        return False
