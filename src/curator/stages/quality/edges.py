"""Step 2 of the quality block (a global step, one task): from every task's score side file,
per language and classifier, the percentile bucket edges; with `keep_top_fraction`, also the
ensemble score a document needs to be in that top share of its language."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from curator.core.accounting import metric_key
from curator.core.docio import load_table
from curator.stages.quality.buckets import (
    ALL_LANGUAGES,
    N_BUCKETS,
    BucketTable,
    Combine,
    LanguageBuckets,
    bucket_edges,
    combined_buckets,
    top_fraction_cutoff,
)
from curator.stages.quality.thresholds import QualityThresholds


def read_side_files(scores_dir: Path, classifiers: list[str]) -> pa.Table:
    """All tasks' scores (hidden temp files of killed tasks are ignored)."""
    files = sorted(p for p in Path(scores_dir).glob("*.parquet") if not p.name.startswith("."))
    schema = pa.schema([("language", pa.string())] + [(name, pa.float64()) for name in classifiers])
    tables = [load_table(p, columns=schema.names).cast(schema) for p in files]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def language_buckets(
    scores: dict[str, np.ndarray],
    fraction: float | None,
    n_buckets: int = N_BUCKETS,
    combine: Combine = "max",
) -> LanguageBuckets:
    edges = {name: bucket_edges(values, n_buckets) for name, values in scores.items()}
    n_docs = len(next(iter(scores.values()))) if scores else 0
    cutoff = None
    if fraction is not None and n_docs:
        best = combined_buckets(scores, edges, combine)
        cutoff = top_fraction_cutoff((best / (n_buckets - 1)).tolist(), fraction)
    return LanguageBuckets(docs=n_docs, edges=edges, keep_min_score=cutoff)


class QualityBucketEdges(PipelineStep):
    name = "⭐ quality buckets"
    type = "🔢 - SCORER"

    def __init__(
        self,
        scores_dir: str | Path,
        table_path: str | Path,
        classifiers: list[str],
        thresholds: QualityThresholds,
        combine: Combine = "max",
    ):
        super().__init__()
        self.scores_dir = Path(scores_dir)
        self.table_path = Path(table_path)
        self.classifiers = classifiers
        self.thresholds = thresholds
        self.combine = combine

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if rank != 0:
            return
        table = read_side_files(self.scores_dir, self.classifiers)
        languages = table.column("language").to_numpy(zero_copy_only=False)
        scores = {name: table.column(name).to_numpy() for name in self.classifiers}
        result = BucketTable(self.classifiers, N_BUCKETS, combine=self.combine)
        for language in sorted(set(languages.tolist())):
            mask = languages == language
            fraction = self.thresholds.for_language(language)[1]
            result.languages[language] = language_buckets(
                {n: v[mask] for n, v in scores.items()}, fraction, N_BUCKETS, self.combine
            )
            self.stat_update(metric_key("scored_docs", language=language), value=int(mask.sum()))
        result.languages[ALL_LANGUAGES] = language_buckets(
            scores, self.thresholds.keep_top_fraction, N_BUCKETS, self.combine
        )
        result.save(self.table_path)
        logger.info(
            f"quality buckets for {len(result.languages) - 1} languages, {len(languages)} documents -> {self.table_path}"
        )
