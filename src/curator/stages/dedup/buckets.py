"""Dedup phase 2 (barrier): documents with an equal key in a band are matches.

Work is split into units (band, hash range): the keys files of every task are sorted, so a unit
reads only its hash range from each (binary search on a memory map) and sorts that. Memory per
task is ~40 bytes per document per unit: raise `bucket_splits` to split each band into more
ranges (and tasks) when inputs grow.
"""

from __future__ import annotations

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from curator.core.accounting import metric_key
from curator.stages.dedup.files import (
    KEY_DTYPE,
    MATCH_DTYPE,
    DedupFiles,
    as_earlier,
    record_peak_memory,
    save_array,
)

_HASH_SPACE = 1 << 64


def hash_range(part: int, parts: int) -> tuple[int, int]:
    """[low, high) of the `hi` key half covered by `part` of `parts`."""
    return part * _HASH_SPACE // parts, (part + 1) * _HASH_SPACE // parts


def read_range(path, low: int, high: int) -> np.ndarray:
    """The rows of a sorted keys file whose `hi` is in [low, high)."""
    keys = np.load(path, mmap_mode="r")
    if keys.dtype != KEY_DTYPE:
        raise ValueError(
            f"{path}: not a dedup keys file (dtype {keys.dtype}); rerun the dedup stage with --fresh"
        )
    if len(keys) == 0:
        return np.empty(0, KEY_DTYPE)
    hi = keys["hi"]
    start = int(np.searchsorted(hi, np.uint64(low), side="left"))
    stop = len(keys) if high >= _HASH_SPACE else int(np.searchsorted(hi, np.uint64(high), side="left"))
    return np.array(keys[start:stop])


def find_matches(rows: np.ndarray) -> np.ndarray:
    """Pairs (first document of a run of equal keys, each other document of that run)."""
    if len(rows) < 2:
        return np.empty(0, MATCH_DTYPE)
    rows = rows[np.lexsort((rows["doc"], rows["lo"], rows["hi"]))]
    same = (rows["hi"][1:] == rows["hi"][:-1]) & (rows["lo"][1:] == rows["lo"][:-1])
    members = np.flatnonzero(same) + 1  # rows equal to the row before them
    if not len(members):
        return np.empty(0, MATCH_DTYPE)
    run_start = np.flatnonzero(~np.concatenate(([False], same)))  # index of each run's first row
    first_of = run_start[np.searchsorted(run_start, members, side="right") - 1]
    matches = np.empty(len(members), MATCH_DTYPE)
    matches["a"] = rows["doc"][first_of]
    matches["b"] = rows["doc"][members]
    return matches


class DedupBuckets(PipelineStep):
    name = "🫂 dedup buckets"
    type = "🫂 - DEDUP"

    def __init__(self, stage_dir: str, bands: list[str], splits: int = 1, against: list[str] | tuple = ()):
        super().__init__()
        self.files = DedupFiles(stage_dir, against)
        self.units = [(band, part) for band in bands for part in range(splits)]
        self.splits = splits

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for band, part in self.units[rank::world_size]:
            with self.track_time():
                low, high = hash_range(part, self.splits)
                parts = [read_range(path, low, high) for path in self.files.key_files(band)]
                for run, path in self.files.earlier_key_files(band):  # their index, not their documents
                    earlier = read_range(path, low, high)
                    earlier["doc"] = as_earlier(earlier["doc"], run)
                    parts.append(earlier)
                rows = np.concatenate(parts) if parts else np.empty(0, KEY_DTYPE)
                matches = find_matches(rows)
                if self.files.against:  # pairs of two earlier documents: the earlier runs decided them
                    matches = matches[~self.files.is_earlier(matches["b"])]
                save_array(self.files.matches(band, part), matches)
            self.stat_update("keys_read", value=len(rows))
            self.stat_update(metric_key("matches", band), value=len(matches))
            logger.info(f"dedup buckets {band} part {part}: {len(rows)} keys, {len(matches)} matches")
        record_peak_memory(self)
