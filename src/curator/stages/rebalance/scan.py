"""The statistics pass: per language, documents and characters by (cluster-size bucket, quality level).

Memory is fixed by the number of buckets and quality levels, not by the corpus: files are read in
record batches with only the columns needed, and counts are added into small histograms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curator.core.docio import UNDETERMINED_LANGUAGE
from curator.core.errors import CuratorError
from curator.stages.rebalance.rehydration import bucket_of

CLUSTER_SIZE = "minhash_cluster_size"
QUALITY = "quality_score"
QUALITY_LEVELS = 101  # quality_score rounded to 0.00, 0.01, ..., 1.00
NO_QUALITY = QUALITY_LEVELS  # the extra column of documents without a quality_score
BATCH_ROWS = 4096


def parquet_files(folder: Path) -> list[Path]:
    """Every visible .parquet under `folder` (hidden .tmp files of unfinished writers are skipped)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.parquet") if not any(part.startswith(".") for part in p.parts))


def folder_language(path: Path, documents_dir: Path) -> str:
    """OUTPUT/data/<language>/x.parquet -> <language>: used for rows without a language column."""
    rel = path.relative_to(documents_dir)
    return rel.parts[0] if len(rel.parts) > 1 else UNDETERMINED_LANGUAGE


def quality_level(quality: np.ndarray) -> np.ndarray:
    """Histogram column of each quality_score (NaN = no score)."""
    levels = np.rint(np.clip(np.nan_to_num(quality, nan=0.0), 0.0, 1.0) * (QUALITY_LEVELS - 1)).astype(
        np.int64
    )
    return np.where(np.isnan(quality), NO_QUALITY, levels)


@dataclass
class LanguageStats:
    """Kept documents of one language: counts and characters by [bucket, quality level]."""

    n_buckets: int
    docs: np.ndarray = field(init=False)
    chars: np.ndarray = field(init=False)
    quality_sum: float = 0.0
    quality_docs: int = 0

    def __post_init__(self):
        self.docs = np.zeros((self.n_buckets, QUALITY_LEVELS + 1), dtype=np.int64)
        self.chars = np.zeros((self.n_buckets, QUALITY_LEVELS + 1), dtype=np.float64)

    @property
    def quality_mean(self) -> float | None:
        return self.quality_sum / self.quality_docs if self.quality_docs else None


@dataclass
class ColumnsSeen:
    """How many document files had the optional columns (a stage that did not run leaves them out)."""

    files: int = 0
    with_cluster_size: int = 0
    with_quality: int = 0

    def describe(self, count: int) -> str:
        """'present', 'missing' or 'missing in k of n files', for `count` files having a column."""
        if self.files == 0:
            return "no documents"
        if count == self.files:
            return "present"
        if count == 0:
            return "missing"
        return f"missing in {self.files - count} of {self.files} files"


def _batches(path: Path, wanted: Iterable[str]) -> tuple[list[str], Iterable[pa.RecordBatch]]:
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:
        raise CuratorError(
            f"{path}: cannot read Parquet ({type(e).__name__}: {e}); delete or fix it and rerun"
        ) from e
    names = pf.schema_arrow.names
    columns = [c for c in wanted if c in names]
    return columns, pf.iter_batches(batch_size=BATCH_ROWS, columns=columns)


def _languages(batch: pa.RecordBatch, fallback: str) -> np.ndarray:
    if "language" not in batch.schema.names:
        return np.full(batch.num_rows, fallback, dtype=object)
    return np.asarray(pc.fill_null(batch.column("language"), fallback).to_pylist(), dtype=object)


def _cluster_sizes(batch: pa.RecordBatch) -> np.ndarray:
    if CLUSTER_SIZE not in batch.schema.names:
        return np.ones(batch.num_rows, dtype=np.int64)
    return pc.fill_null(batch.column(CLUSTER_SIZE), 1).to_numpy(zero_copy_only=False).astype(np.int64)


def scan_documents(
    files: Sequence[Path], documents_dir: Path, edges: Sequence[int]
) -> tuple[dict[str, LanguageStats], ColumnsSeen]:
    """Histograms of the kept documents, per language."""
    stats: dict[str, LanguageStats] = {}
    seen = ColumnsSeen()
    for path in files:
        columns, batches = _batches(path, ("text", "language", CLUSTER_SIZE, QUALITY))
        if "text" not in columns:
            raise CuratorError(f"{path}: no 'text' column; rebalance reads curator's document Parquet")
        seen.files += 1
        seen.with_cluster_size += CLUSTER_SIZE in columns
        seen.with_quality += QUALITY in columns
        fallback = folder_language(path, documents_dir)
        for batch in batches:
            chars = pc.fill_null(pc.utf8_length(batch.column("text")), 0).to_numpy(zero_copy_only=False)
            buckets = bucket_of(_cluster_sizes(batch), edges)
            if QUALITY in columns:
                quality = pc.cast(batch.column(QUALITY), pa.float64()).to_numpy(zero_copy_only=False)
                quality = np.asarray(quality, dtype=np.float64)
            else:
                quality = np.full(batch.num_rows, np.nan)
            levels = quality_level(quality)
            languages = _languages(batch, fallback)
            for language in np.unique(languages):
                rows = languages == language
                s = stats.setdefault(str(language), LanguageStats(len(edges)))
                np.add.at(s.docs, (buckets[rows], levels[rows]), 1)
                np.add.at(s.chars, (buckets[rows], levels[rows]), chars[rows])
                scored = quality[rows][~np.isnan(quality[rows])]
                s.quality_sum += float(scored.sum())
                s.quality_docs += int(scored.size)
    return stats, seen


def scan_cluster_sizes(files: Sequence[Path], edges: Sequence[int], why: str) -> dict[str, np.ndarray]:
    """Documents per language and cluster-size bucket in removed-document files.

    These files must carry minhash_cluster_size (dedup ran before the stage that removed them);
    `why` completes the error message for the user.
    """
    counts: dict[str, np.ndarray] = {}
    for path in files:
        columns, batches = _batches(path, ("language", CLUSTER_SIZE))
        if CLUSTER_SIZE not in columns:
            raise CuratorError(f"{path}: removed documents have no {CLUSTER_SIZE} column: {why}")
        for batch in batches:
            buckets = bucket_of(_cluster_sizes(batch), edges)
            languages = _languages(batch, UNDETERMINED_LANGUAGE)
            for language in np.unique(languages):
                c = counts.setdefault(str(language), np.zeros(len(edges), dtype=np.int64))
                np.add.at(c, buckets[languages == language], 1)
    return counts
