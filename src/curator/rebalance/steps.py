"""The three jobs of the rebalance stage, as datatrove steps (each reads and writes its own files).

1. RebalancePlanner (1 task): statistics pass over the final documents (and, for data-driven
   rehydration, the removed documents) -> plan.json.
2. MixWriter (n tasks): task r reads document files r, r+n, ... and writes
   OUTPUT/mix/<language>/<r>.parquet with a `repetitions` column (or each document that many
   times), plus its counts -> counts/<r>.json.
3. MixSummarizer (1 task): plan + counts -> OUTPUT/mix/mix.json, after checking that it adds up.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from curator.errors import CuratorError
from curator.rebalance.config import RebalanceParams
from curator.rebalance.plan import bucket_edges, build_plan, quality_factor, write_json_atomic
from curator.rebalance.sampling import SystematicRounder
from curator.rebalance.scan import (
    CLUSTER_SIZE,
    QUALITY,
    folder_language,
    parquet_files,
    scan_cluster_sizes,
    scan_documents,
)
from curator.steps.counting import count_removed
from curator.steps.docio import row_to_doc
from curator.steps.parquet_writer import ParquetDocWriter

DEDUP_FIRST = (
    "data-driven rehydration needs dedup before filters (FineWeb2 order: lid, dedup, filters): "
    "move the dedup stage before the removal stage and rerun, or use rehydration.mode: table"
)


def _read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CuratorError(f"{path}: {what} not found; rerun the run (completed tasks are skipped)") from None


class RebalancePlanner(PipelineStep):
    name = "⚖ rebalance plan"
    type = "⚖ - REBAL"

    def __init__(self, params: RebalanceParams, documents_dir: Path, plan_path: Path,
                 removed_dirs: list[Path] = (), survivor_dirs: list[Path] = ()):
        super().__init__()
        self.params = params
        self.documents_dir = Path(documents_dir)
        self.plan_path = Path(plan_path)
        self.removed_dirs = [Path(d) for d in removed_dirs]
        self.survivor_dirs = [Path(d) for d in survivor_dirs]

    def _removal_counts(self, edges):
        if self.params.rehydration.mode != "removal_rate":
            return None, None
        removed_files = [f for d in self.removed_dirs for f in parquet_files(d)]
        if not removed_files:
            folders = ", ".join(str(d) for d in self.removed_dirs)
            raise CuratorError(
                f"no removed documents in {folders}: data-driven rehydration needs the removal stage to write "
                "them (set write_removed: true on it) and " + DEDUP_FIRST.split(": ", 1)[1]
            )
        removed = scan_cluster_sizes(removed_files, edges, DEDUP_FIRST)
        survivor_files = [f for d in self.survivor_dirs for f in parquet_files(d)]
        survivors = scan_cluster_sizes(survivor_files, edges, DEDUP_FIRST)
        return removed, survivors

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        edges = bucket_edges(self.params)
        files = parquet_files(self.documents_dir)
        with self.track_time():
            stats, columns = scan_documents(files, self.documents_dir, edges)
            removed, survivors = self._removal_counts(edges)
            plan = build_plan(self.params, stats, columns, removed, survivors)
        plan["documents_dir"] = str(self.documents_dir)
        write_json_atomic(self.plan_path, plan)
        self.stat_update("documents_scanned", value=int(sum(s.docs.sum() for s in stats.values())))
        logger.info(f"rebalance plan for {len(stats)} languages written to {self.plan_path}")


class MixWriter(PipelineStep):
    name = "⚖ rebalance write"
    type = "⚖ - REBAL"

    def __init__(self, plan_path: Path, documents_dir: Path, mix_dir: Path, counts_dir: Path):
        super().__init__()
        self.plan_path = Path(plan_path)
        self.documents_dir = Path(documents_dir)
        self.mix_dir = Path(mix_dir)
        self.counts_dir = Path(counts_dir)

    def _documents(self, files: list[Path]):
        for path in files:
            fallback = folder_language(path, self.documents_dir)
            for batch in pq.ParquetFile(path).iter_batches(batch_size=1000):
                for row in batch.to_pylist():
                    doc = row_to_doc(row)
                    if not doc.metadata.get("language"):
                        doc.metadata["language"] = fallback
                    yield doc

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        plan = _read_json(self.plan_path, "rebalance plan")
        cap, seed, edges = plan["max_repetitions"], plan["seed"], plan["bucket_edges"]
        copies_written = plan["materialize"]
        counts: dict[str, Counter] = {}
        rounders: dict[str, SystematicRounder] = {}
        files = parquet_files(self.documents_dir)[rank::world_size]
        writer = ParquetDocWriter(self.mix_dir, filename="{language}/{rank:05d}.parquet")
        with writer:
            for doc in self._documents(files):
                lang = doc.metadata["language"]
                lp = plan["languages"].get(lang)
                if lp is None:
                    raise CuratorError(
                        f"{self.documents_dir}: language '{lang}' (document {doc.id}) is not in {self.plan_path}: "
                        "the documents changed after the plan; delete the plan and rerun the rebalance stage"
                    )
                with self.track_time():
                    size = doc.metadata.get(CLUSTER_SIZE) or 1
                    bucket = max(0, bisect.bisect_right(edges, size) - 1)
                    weight = lp["bucket_weights"][bucket]
                    quality = doc.metadata.get(QUALITY)
                    if lp["quality_mean"] is not None and quality is not None:
                        weight *= quality_factor(quality, lp["quality_mean"], plan["quality_floor"])
                    if lang not in rounders:
                        rounders[lang] = SystematicRounder(cap, f"{lang}/{rank}", seed)
                    reps = rounders[lang](lp["scale"] * weight, len(doc.text))
                c = counts.setdefault(lang, Counter())
                chars = len(doc.text)
                c["documents"] += 1
                c["chars_before"] += chars
                c[f"repetitions_{reps}"] += 1
                if reps == 0:
                    reason = "rebalance:language_not_in_mix" if lp["scale"] == 0 else "rebalance:not_sampled"
                    count_removed(self, doc, reason)
                    continue
                c["documents_in_mix"] += 1
                c["chars_after"] += chars * reps
                doc.metadata["repetitions"] = reps
                for _ in range(reps if copies_written else 1):
                    writer.write(doc, rank)
                self.stat_update("docs_out", f"lang/{lang}/docs_out")
        write_json_atomic(self.counts_dir / f"{rank:05d}.json", {lang: dict(c) for lang, c in counts.items()})


class MixSummarizer(PipelineStep):
    name = "⚖ rebalance summary"
    type = "⚖ - REBAL"

    def __init__(self, plan_path: Path, counts_dir: Path, write_tasks: int, mix_json: Path):
        super().__init__()
        self.plan_path = Path(plan_path)
        self.counts_dir = Path(counts_dir)
        self.write_tasks = write_tasks
        self.mix_json = Path(mix_json)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from curator.rebalance.report import mix_report

        if data:
            yield from data
        plan = _read_json(self.plan_path, "rebalance plan")
        counts: dict[str, Counter] = {}
        for r in range(self.write_tasks):
            part = _read_json(self.counts_dir / f"{r:05d}.json", f"counts of write task {r}")
            for lang, c in part.items():
                counts.setdefault(lang, Counter()).update(c)
        write_json_atomic(self.mix_json, mix_report(plan, counts))
        logger.info(f"mix written: {self.mix_json}")
