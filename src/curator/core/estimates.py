"""What a block is told to predict its costs from, and what it answers (`curator plan`).

Each stage knows its own costs (its block's `costs()`, from constants measured in its
`estimates.py`); the planner (curator.exec.predict) works out the workload each stage sees,
from the input's size and defaults, or from a pilot run's measurements, and sums the answers per
job. Memory is a task's peak resident memory, imports included, as `sacct` reports `MaxRSS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Resident memory of a global (barrier) task before it does any work: Python, numpy, pyarrow,
# scipy and datatrove imported (scripts/bench/plan_memory.py: 95-120 MB; 110 MB taken).
GLOBAL_TASK_BASE_MB = 110.0
# A document job's worker with readers, extractor and writers imported, before any stage's own
# per-document state (scripts/bench/memory.py: 340-370 MB per worker, flat from 300 to 3,000 pages).
DOCUMENT_TASK_BASE_MB = 360.0
MB = 1024 * 1024


@dataclass
class Workload:
    """The part of the run one stage sees."""

    pages: float  # records the run reads (whole run)
    docs: float  # documents reaching this stage (whole run)
    tasks: int  # executor.tasks: the document jobs' task count
    # pilot measurements of this stage, scaled to this run's input (e.g. "pairs": dedup match
    # pairs); empty without a pilot: the stage's measured defaults apply
    measured: dict[str, float] = field(default_factory=dict)

    @property
    def docs_per_task(self) -> float:
        return self.docs / max(1, self.tasks)


@dataclass
class PhaseCost:
    """One phase's predicted cost.

    phase: the GlobalPhase's name (its job is "<stage>-<phase>"), or "documents" for the stage's
    first DocPhase, "documents-2" for its second... (their memory adds to the document job's base).
    """

    phase: str
    memory_mb: float  # global phase: peak per task, base included; document phase: added to the base
    scratch_bytes: float = 0.0  # side files the phase leaves in OUTPUT/stages/ (whole run)
    cpu_s: float = 0.0  # CPU seconds of the whole phase (all tasks)
    basis: str = ""  # how memory_mb was reached, printed by `plan` (e.g. "63 B x 4.0e6 pairs")


# Input bytes per record, by input format, when nothing is measured: WARC measured on
# ../shared/data/bench/real-pages.warc.gz (34.6 MB, 1,171 HTML pages with their request and
# metadata records: 29.5 KB per page; Common Crawl: ~1 GB per ~30,000 pages); WET, Parquet and
# JSONL assume ~5,000 characters of text per page (the bench pages' extracted average).
BYTES_PER_RECORD = {"warc": 29_500, "wet": 6_000, "parquet": 2_500, "jsonl": 5_500}


def input_pages(input_bytes: float, fmt: str) -> float:
    """Records in `input_bytes` of input of format `fmt` (the default rate; a pilot measures it)."""
    return input_bytes / BYTES_PER_RECORD.get(fmt, BYTES_PER_RECORD["warc"])


# Share of its input documents a stage keeps, by block name, when nothing is measured: assumed for
# Common Crawl (extraction drops non-HTML and empty pages, the filters about a third). The bench
# pages are curated and keep more (pilot of configs/demo.yaml on them: extract 0.993, lid 0.994,
# filters 0.894, dedup 0.998): measure your own with a pilot (`curator plan --from`).
DEFAULT_KEPT_SHARE = {"extract": 0.85, "lid": 0.99, "filters": 0.65, "dedup": 0.9, "quality": 1.0}


def default_docs(pages: float, blocks_before: list[str]) -> float:
    """Documents reaching a stage whose earlier stages are the blocks `blocks_before`, by default."""
    share = 1.0
    for name in blocks_before:
        share *= DEFAULT_KEPT_SHARE.get(name, 1.0)
    return pages * share
