"""The three jobs of the rebalance stage, as datatrove steps.

1. RebalancePlanner (1 task): statistics pass over the final documents (and, for data-driven
   rehydration, the removed documents) -> plan.json.
2. write (n tasks): DocumentFolderReader -> StageCounter in -> RepetitionAssigner ->
   StageCounter out -> [CopiesExpander] -> ParquetDocWriter(OUTPUT/mix/<language>/<rank>.parquet).
   Task r reads document files r, r+n, ...; the assigner also leaves its counts in counts/<r>.json.
3. MixSummarizer (1 task): plan + counts -> OUTPUT/mix.json (beside mix/: data folders hold only
   Parquet), after checking that it adds up.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from curator.core.accounting import count_documents, count_removed
from curator.core.atomic import write_json_atomic
from curator.core.errors import CuratorError
from curator.core.readers import ParquetDocReader
from curator.stages.rebalance.params import RebalanceParams
from curator.stages.rebalance.plan import RebalancePlan, bucket_edges, build_plan, document_weight
from curator.stages.rebalance.sampling import SystematicRounder
from curator.stages.rebalance.scan import (
    CLUSTER_SIZE,
    QUALITY,
    folder_language,
    parquet_files,
    scan_cluster_sizes,
    scan_documents,
)

DEDUP_FIRST = (
    "data-driven rehydration needs dedup before filters (FineWeb2 order: lid, dedup, filters): "
    "move the dedup stage before the removal stage and rerun, or use rehydration.mode: table"
)
STEP_TYPE = "⚖ - REBAL"


def read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CuratorError(f"{path}: {what} not found; rerun the run (completed tasks are skipped)") from None


class RebalancePlanner(PipelineStep):
    name = "⚖ rebalance plan"
    type = STEP_TYPE

    def __init__(
        self,
        params: RebalanceParams,
        documents_dir: Path,
        plan_path: Path,
        removed_dirs: list[Path] = (),
        survivor_dirs: list[Path] = (),
    ):
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
                "them (write_removed: true) and " + DEDUP_FIRST.split(": ", 1)[1]
            )
        removed = scan_cluster_sizes(removed_files, edges, DEDUP_FIRST)
        survivor_files = [f for d in self.survivor_dirs for f in parquet_files(d)]
        survivors = scan_cluster_sizes(survivor_files, edges, DEDUP_FIRST)
        return removed, survivors

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        edges = bucket_edges(self.params)
        with self.track_time():
            stats, columns = scan_documents(parquet_files(self.documents_dir), self.documents_dir, edges)
            removed, survivors = self._removal_counts(edges)
            plan = build_plan(self.params, stats, columns, removed, survivors)
        plan.documents_dir = str(self.documents_dir)
        plan.write(self.plan_path)
        for lang, s in stats.items():  # the stage's docs_in (stats take it from its first job: this one)
            count_documents(self, "in", lang, int(s.docs.sum()), int(s.chars.sum()))
        logger.info(f"rebalance plan for {len(stats)} languages written to {self.plan_path}")


class DocumentFolderReader(ParquetDocReader):
    """The documents under a folder, listed when the task runs (they do not exist when the job is
    built); task r reads files r, r+n, ...; rows without a language get their folder's name."""

    name = "📒 documents folder"

    def __init__(self, folder: Path):
        super().__init__([])
        self.folder = Path(folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for path in parquet_files(self.folder)[rank::world_size]:
            self.stat_update("input_files")
            fallback = folder_language(path, self.folder)
            for doc in self.read_file(str(path)):
                if not doc.metadata.get("language"):
                    doc.metadata["language"] = fallback
                yield doc


class RepetitionAssigner(PipelineStep):
    """Sets `repetitions` from the plan; a document given 0 leaves the stream, counted with its reason."""

    name = "⚖ rebalance repetitions"
    type = STEP_TYPE

    def __init__(self, plan_path: Path, counts_dir: Path):
        super().__init__()
        self.plan_path = Path(plan_path)
        self.counts_dir = Path(counts_dir)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        plan = RebalancePlan.read(self.plan_path)
        counts: dict[str, Counter] = {}
        rounders: dict[str, SystematicRounder] = {}
        for doc in data or ():
            lang = doc.metadata["language"]
            lp = plan.languages.get(lang)
            if lp is None:
                raise CuratorError(
                    f"language '{lang}' (document {doc.id}) is not in {self.plan_path}: the documents changed "
                    "after the plan was made; delete the plan, remove the rebalance jobs' logs, and rerun"
                )
            chars = len(doc.text)
            with self.track_time():
                weight = document_weight(plan, lp, doc.metadata.get(CLUSTER_SIZE), doc.metadata.get(QUALITY))
                if lang not in rounders:
                    rounders[lang] = SystematicRounder(plan.max_repetitions, f"{lang}/{rank}", plan.seed)
                reps = rounders[lang](lp.scale * weight, chars)
            c = counts.setdefault(lang, Counter())
            c["documents"] += 1
            c["chars_before"] += chars
            c[f"repetitions_{reps}"] += 1
            if reps == 0:
                count_removed(
                    self,
                    doc,
                    "rebalance:language_not_in_mix" if lp.scale == 0 else "rebalance:not_sampled",
                )
                continue
            c["documents_in_mix"] += 1
            c["chars_after"] += chars * reps
            doc.metadata["repetitions"] = reps
            yield doc
        write_json_atomic(self.counts_dir / f"{rank:05d}.json", {lang: dict(c) for lang, c in counts.items()})


class CopiesExpander(PipelineStep):
    """materialize: true — each document `repetitions` times, for loaders without a weight column."""

    name = "⚖ rebalance copies"
    type = STEP_TYPE

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data or ():
            for _ in range(doc.metadata["repetitions"]):
                yield doc


class MixSummarizer(PipelineStep):
    name = "⚖ rebalance summary"
    type = STEP_TYPE

    def __init__(self, plan_path: Path, counts_dir: Path, write_tasks: int, mix_json: Path):
        super().__init__()
        self.plan_path = Path(plan_path)
        self.counts_dir = Path(counts_dir)
        self.write_tasks = write_tasks
        self.mix_json = Path(mix_json)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from curator.stages.rebalance.report import mix_report

        if data:
            yield from data
        plan = RebalancePlan.read(self.plan_path)
        counts: dict[str, Counter] = {}
        for r in range(self.write_tasks):
            part = read_json(self.counts_dir / f"{r:05d}.json", f"counts of write task {r}")
            for lang, c in part.items():
                counts.setdefault(lang, Counter()).update(c)
        write_json_atomic(self.mix_json, mix_report(plan, counts))
        logger.info(f"mix written: {self.mix_json}")
