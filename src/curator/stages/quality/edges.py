"""Step 2 of the quality block (a global step, one task): from every task's score side file,
per language and classifier, the percentile bucket edges; with `keep_top_fraction`, also the
ensemble score a document needs to be in that top share of its language.

Up to EXACT_MAX_DOCS scores the task holds them all and the edges are exact. Above, it reads the
files one at a time into mergeable histograms (buckets.ScoreHistogram): memory no longer grows
with the corpus, and each edge is within buckets.MAX_EDGE_ERROR (2^-20) of the exact one."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
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
    ScoreHistogram,
    bucket_edges,
    combined_buckets,
    cutoff_from_counts,
    top_fraction_cutoff,
)
from curator.stages.quality.thresholds import QualityThresholds

# ~150 B per score held by the exact computation (stages/quality/estimates.py): ~150 MB here
EXACT_MAX_DOCS = 1_000_000


def score_files(scores_dir: Path) -> list[Path]:
    """The tasks' score files (hidden temp files of killed tasks are ignored)."""
    return sorted(p for p in Path(scores_dir).glob("*.parquet") if not p.name.startswith("."))


def _schema(classifiers: list[str]) -> pa.Schema:
    return pa.schema([("language", pa.string())] + [(name, pa.float64()) for name in classifiers])


def read_side_files(scores_dir: Path, classifiers: list[str]) -> pa.Table:
    """All tasks' scores."""
    schema = _schema(classifiers)
    tables = [load_table(p, columns=schema.names).cast(schema) for p in score_files(scores_dir)]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _by_language(path: Path, classifiers: list[str]):
    """(language, {classifier: scores}) of one score file, and (ALL_LANGUAGES, every score)."""
    table = load_table(path, columns=_schema(classifiers).names).cast(_schema(classifiers))
    languages = table.column("language").to_numpy(zero_copy_only=False)
    scores = {name: table.column(name).to_numpy() for name in classifiers}
    for language in sorted(set(languages.tolist())):
        mask = languages == language
        yield language, {name: values[mask] for name, values in scores.items()}
    yield ALL_LANGUAGES, scores


def summarised_table(
    files: list[Path],
    classifiers: list[str],
    thresholds,
    n_buckets: int = N_BUCKETS,
    combine: Combine = "max",
):
    """The bucket table from mergeable per-file summaries: one file's scores in memory at a time."""
    histograms: dict[str, dict[str, ScoreHistogram]] = {}
    for path in files:
        for language, scores in _by_language(path, classifiers):
            merged = histograms.setdefault(language, {name: ScoreHistogram() for name in classifiers})
            for name, values in scores.items():
                merged[name] = merged[name].merge(ScoreHistogram.of(values))
    result = BucketTable(classifiers, n_buckets, combine=combine)
    fractions = {}
    for language, merged in histograms.items():
        edges = {name: h.edges(n_buckets) for name, h in merged.items()}
        docs = merged[classifiers[0]].total
        result.languages[language] = LanguageBuckets(docs=docs, edges=edges)
        fraction = (
            thresholds.keep_top_fraction
            if language == ALL_LANGUAGES
            else thresholds.for_language(language)[1]
        )
        if fraction is not None:
            fractions[language] = fraction
    if fractions:  # a second pass: how many documents have each ensemble bucket (mergeable counts)
        # `max`/`min` give whole buckets; a `mean` of k classifiers' buckets is a multiple of 1/lcm(1..k)
        # (fewer take part where a score is missing), so counting on that finer grid stays exact
        grid = 1 if combine in ("max", "min") else math.lcm(*range(1, len(classifiers) + 1))
        counts = {language: np.zeros((n_buckets - 1) * grid + 1, np.int64) for language in fractions}
        for path in files:
            for language, scores in _by_language(path, classifiers):
                if language in counts:
                    edges = result.languages[language].edges
                    best = combined_buckets(scores, edges, combine)
                    counts[language] += np.bincount(
                        np.rint(best * grid).astype(np.int64), minlength=len(counts[language])
                    )
        for language, fraction in fractions.items():
            result.languages[language].keep_min_score = cutoff_from_counts(counts[language], fraction)
    return result


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
        files = score_files(self.scores_dir)
        total = sum(pq.ParquetFile(path).metadata.num_rows for path in files)
        if total > EXACT_MAX_DOCS:
            result = summarised_table(files, self.classifiers, self.thresholds, combine=self.combine)
            for language, buckets in result.languages.items():
                if language != ALL_LANGUAGES:
                    self.stat_update(metric_key("scored_docs", language=language), value=buckets.docs)
            result.save(self.table_path)
            logger.info(
                f"quality buckets (summaries) for {len(result.languages) - 1} languages -> {self.table_path}"
            )
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
