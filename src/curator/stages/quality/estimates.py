"""What the quality phases cost, measured here (scripts/bench/plan_memory.py checks the prediction).

- scoring (in a document job): each classifier's model is loaded once per worker: about its file
  size in memory; scores are written as they come.
- buckets (one task, today's exact computation): every document's language and scores are held
  at once: the Arrow table, the languages as Python strings, per-language copies of the scores and
  numpy's sort of each: ~BUCKETS_BYTES_PER_DOC + BUCKETS_BYTES_PER_SCORE per classifier, per
  document of the whole run, up to edges.EXACT_MAX_DOCS scores. Above, the job reads one task's
  score file at a time into mergeable histograms (at most 2^20 + 1 bins of 24 B per language and
  classifier, in practice far fewer): the largest file's documents at the same rate, plus the
  histograms (estimated SUMMARY_LANGUAGES x classifiers x min(docs, 2^20) bins, an upper bound).
"""

from __future__ import annotations

from curator.core.estimates import GLOBAL_TASK_BASE_MB, MB, PhaseCost, Workload

BUCKETS_BYTES_PER_DOC = 100
BUCKETS_BYTES_PER_SCORE = 24
SCORE_FILE_BYTES_PER_DOC = 4 + 8  # language (dictionary-encoded) + a float per classifier (Parquet)
SCORE_CPU_S_PER_DOC = 0.0009  # docs/slurm.md: quality 0.9 ms per page
BUCKETS_CPU_S_PER_DOC = 2e-6
SUMMARY_LANGUAGES = 30  # languages with many documents (a histogram's size saturates at 2^20 bins)
SUMMARY_BYTES_PER_BIN = 24


def buckets_memory_mb(
    docs: float, tasks: int, classifiers: int, summaries: bool | None = None
) -> tuple[float, str]:
    """Peak of the quality buckets task, and how it is reached (summaries: as the job decides,
    above edges.EXACT_MAX_DOCS, unless forced)."""
    from curator.stages.quality.buckets import SCORE_BINS
    from curator.stages.quality.edges import EXACT_MAX_DOCS

    per_doc = BUCKETS_BYTES_PER_DOC + BUCKETS_BYTES_PER_SCORE * classifiers
    if not (docs > EXACT_MAX_DOCS if summaries is None else summaries):
        return (
            GLOBAL_TASK_BASE_MB + per_doc * docs / MB,
            f"{per_doc} B x {docs:.2g} docs (every score in one task)",
        )
    per_file = docs / max(1, tasks)
    bins = SUMMARY_LANGUAGES * classifiers * min(per_file, SCORE_BINS + 1)
    memory = GLOBAL_TASK_BASE_MB + (per_doc * per_file + SUMMARY_BYTES_PER_BIN * bins) / MB
    return memory, f"summaries: {per_doc} B x {per_file:.2g} docs of one file + {bins:.2g} bins"


def quality_costs(work: Workload, classifiers: int, model_bytes: float = 0.0) -> list[PhaseCost]:
    docs = work.docs
    memory, basis = buckets_memory_mb(docs, work.tasks, classifiers)
    return [
        PhaseCost(
            "documents",
            model_bytes / MB,
            scratch_bytes=docs * (SCORE_FILE_BYTES_PER_DOC + 8 * (classifiers - 1)),
            cpu_s=SCORE_CPU_S_PER_DOC * docs * classifiers,
            basis=f"{classifiers} model(s), {model_bytes / MB:.0f} MB",
        ),
        PhaseCost(
            "buckets",
            memory,
            cpu_s=BUCKETS_CPU_S_PER_DOC * docs * classifiers,
            basis=basis,
        ),
    ]
