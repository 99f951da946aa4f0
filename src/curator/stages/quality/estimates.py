"""What the quality phases cost, measured here (scripts/bench/plan_memory.py checks the prediction).

- scoring (in a document job): each classifier's model is loaded once per worker: about its file
  size in memory; scores are written as they come.
- buckets (one task, today's exact computation): every document's language and scores are held
  at once: the Arrow table, the languages as Python strings, per-language copies of the scores and
  numpy's sort of each: ~BUCKETS_BYTES_PER_DOC + BUCKETS_BYTES_PER_SCORE per classifier, per
  document of the whole run. This is the job that grows with the corpus (issue #16 part 3).
"""

from __future__ import annotations

from curator.core.estimates import GLOBAL_TASK_BASE_MB, MB, PhaseCost, Workload

BUCKETS_BYTES_PER_DOC = 100
BUCKETS_BYTES_PER_SCORE = 24
SCORE_FILE_BYTES_PER_DOC = 4 + 8  # language (dictionary-encoded) + a float per classifier (Parquet)
SCORE_CPU_S_PER_DOC = 0.0009  # docs/slurm.md: quality 0.9 ms per page
BUCKETS_CPU_S_PER_DOC = 2e-6


def quality_costs(work: Workload, classifiers: int, model_bytes: float = 0.0) -> list[PhaseCost]:
    docs = work.docs
    per_doc = BUCKETS_BYTES_PER_DOC + BUCKETS_BYTES_PER_SCORE * classifiers
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
            GLOBAL_TASK_BASE_MB + per_doc * docs / MB,
            cpu_s=BUCKETS_CPU_S_PER_DOC * docs * classifiers,
            basis=f"{per_doc} B x {docs:.2g} docs (every score in one task)",
        ),
    ]
