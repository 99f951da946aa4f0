"""The dedup side files in OUTPUT/stages/<stage>/ and how they are written (temp + rename).

keys/<band>/<rank>.npy       band keys of task <rank>'s documents, sorted (KEY_DTYPE); <band> is
                             "exact" or "band_000".. "band_013"
documents/<rank>.parquet     the ids of task <rank>'s documents, in stream order
matches/<band>-<part>.npy    pairs of documents with an equal key (MATCH_DTYPE)
decisions/<rank>.parquet     per duplicate-cluster member of task <rank>: position, cluster size,
                             and for removed ones the kept document's id and the reason

With `against` (earlier runs' dedup folders), the index also holds the earlier runs' documents,
read from their keys files (never their documents): earlier run i's task r is index rank
(i << 16) | r, and this run's task r is OWN_RANK_BASE + r, so every earlier document sorts before
every new one and is the one a cluster keeps, in the sharded clustering too.
"""

from __future__ import annotations

import resource
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curator.core.accounting import record_peak
from curator.core.atomic import atomic_path

EXACT_BAND = "exact"
# a 128-bit key (band values or normalised text, hashed with the language group) and the document
KEY_DTYPE = np.dtype([("hi", "<u8"), ("lo", "<u8"), ("doc", "<u8")])
MATCH_DTYPE = np.dtype([("a", "<u8"), ("b", "<u8")])
_POSITION_BITS = 32
AGAINST_RANK_BITS = 16  # an earlier run's tasks: at most 65,536
OWN_RANK_BASE = 1 << 20  # with `against`: this run's tasks follow up to 16 earlier runs'


def doc_key(rank: int, position: np.ndarray | int):
    """A document's global key: its task, then its position in the task's stream (sorts as read)."""
    return (np.uint64(rank) << np.uint64(_POSITION_BITS)) | np.asarray(position, dtype=np.uint64)


def split_doc_key(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (keys >> np.uint64(_POSITION_BITS)).astype(np.int64), (keys & np.uint64(0xFFFFFFFF)).astype(
        np.int64
    )


def as_earlier(keys: np.ndarray, run: int) -> np.ndarray:
    """An earlier run's document keys as this run's index sees them: its task r -> (run << 16) | r
    (the earlier run's own tasks may have been at OWN_RANK_BASE + r: the low 16 bits are r)."""
    low = (keys >> np.uint64(_POSITION_BITS)) & np.uint64((1 << AGAINST_RANK_BITS) - 1)
    ranks = low | np.uint64(run << AGAINST_RANK_BITS)
    return (ranks << np.uint64(_POSITION_BITS)) | (keys & np.uint64(0xFFFFFFFF))


def band_names(bands: int, exact: bool, minhash: bool) -> list[str]:
    return ([EXACT_BAND] if exact else []) + ([f"band_{b:03d}" for b in range(bands)] if minhash else [])


class DedupFiles:
    def __init__(self, stage_dir: str | Path, against: list[str] | tuple[str, ...] = ()):
        self.root = Path(stage_dir)
        self.against = [Path(p) for p in against]  # earlier runs' dedup stage folders, oldest first

    @property
    def rank_base(self) -> int:
        """Index rank of this run's task 0 (0 without `against`)."""
        return OWN_RANK_BASE if self.against else 0

    def index_rank(self, rank: int) -> int:
        return self.rank_base + rank

    def is_earlier(self, keys: np.ndarray) -> np.ndarray:
        """Which document keys are earlier runs' documents."""
        return (keys >> np.uint64(_POSITION_BITS)) < np.uint64(self.rank_base)

    def earlier_key_files(self, band: str) -> list[tuple[int, Path]]:
        """(run index, keys file) of every earlier run's tasks."""
        return [(i, p) for i, root in enumerate(self.against) for p in DedupFiles(root).key_files(band)]

    def id_file(self, index_rank: int) -> Path:
        """The ids file of an index rank: this run's documents/, or an earlier run's."""
        if index_rank >= self.rank_base:
            return self.documents(index_rank - self.rank_base)
        run, rank = divmod(index_rank, 1 << AGAINST_RANK_BITS)
        return DedupFiles(self.against[run]).documents(rank)

    def earlier_decisions(self, index_rank: int) -> Path:
        run, rank = divmod(index_rank, 1 << AGAINST_RANK_BITS)
        return DedupFiles(self.against[run]).decisions(rank)

    def keys(self, band: str, rank: int) -> Path:
        return self.root / "keys" / band / f"{rank:05d}.npy"

    def key_files(self, band: str) -> list[Path]:
        return sorted((self.root / "keys" / band).glob("[0-9]*.npy"))

    def documents(self, rank: int) -> Path:
        return self.root / "documents" / f"{rank:05d}.parquet"

    def document_ranks(self) -> list[int]:
        return sorted(int(p.stem) for p in (self.root / "documents").glob("[0-9]*.parquet"))

    def matches(self, band: str, part: int) -> Path:
        return self.root / "matches" / f"{band}-{part:03d}.npy"

    def match_files(self, band: str | None = None) -> list[Path]:
        pattern = f"{band}-[0-9]*.npy" if band else "[!.]*.npy"
        return sorted((self.root / "matches").glob(pattern))

    def decisions(self, rank: int) -> Path:
        return self.root / "decisions" / f"{rank:05d}.parquet"


def save_array(path: Path, array: np.ndarray) -> None:
    """np.save, atomically: a killed task leaves no partial file behind."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)


def save_table(path: Path, table: pa.Table) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def record_peak_memory(step) -> float:
    """Put the process's peak memory in the step's stats (`peak_rss_mb`) and return it."""
    peak = peak_memory_mb()
    record_peak(step, "rss_mb", int(peak))
    return peak
