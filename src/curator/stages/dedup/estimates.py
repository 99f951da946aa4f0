"""What the dedup phases cost, measured here; `DedupBlock.costs()` and the default `cluster_tasks`
both predict from these (docs/dedup.md "What it costs", scripts/bench/plan_memory.py checks them).

Memory is bytes per unit of work above a global task's imports (core.estimates.GLOBAL_TASK_BASE_MB):
- keys (in the document job): the task's keys are kept until it ends, 24 B per document and band,
  twice while they are concatenated and sorted; the ids ~100 B per document (Python strings).
- buckets: one (band, hash range) unit at a time: its keys, sorted (a lexsort's index and copy),
  and its matches: ~75 B per key (scripts/bench/plan_memory.py: 2 and 6 x 10^6 keys).
- clusters, one task: every pair, the dense node index and scipy's graph: ~63 B per pair
  (scripts/bench/scale_dedup.py, 4.0 and 8.4 x 10^6 pairs).
- clusters, sharded over N tasks: the local job holds its slice of the pairs, ~65 B per pair of
  the slice (N = 4-64); the other jobs hold much less, except the decide job, which reads the id
  files of its document tasks: ~90 MB that does not grow with the pairs.
Match pairs are not known before the buckets job: by default 3 per document reaching dedup (an
assumed 30% of documents duplicate an earlier one, ~10 band pairs each); a pilot (`curator plan
--from`) measures them.
"""

from __future__ import annotations

import math

from curator.core.estimates import GLOBAL_TASK_BASE_MB, MB, PhaseCost, Workload

KEY_BYTES = 24  # one key row (KEY_DTYPE)
KEYS_TASK_BYTES_PER_DOC_BAND = 2 * KEY_BYTES
IDS_TASK_BYTES_PER_DOC = 100
BUCKETS_BYTES_PER_KEY = 75
CLUSTERS_BYTES_PER_PAIR = 63
SHARDED_BYTES_PER_PAIR = 65
DECIDE_MB = 90
PAIRS_PER_DOC = 3.0
# CPU seconds, measured here (docs/slurm.md "Running at scale"; scripts/bench/scale_dedup.py)
KEYS_CPU_S_PER_DOC = 0.007
BUCKETS_CPU_S_PER_KEY = 1e-6
CLUSTERS_CPU_S_PER_PAIR = 0.7e-6
SHARDED_CPU_S_PER_PAIR = 1.4e-6
SHARDED_CPU_S_PER_TASK_JOB = 0.025
# scratch disk: key and id files per document, match files per pair, shard files per pair
ID_FILE_BYTES_PER_DOC = 30
MATCH_BYTES = 16


def cluster_memory_mb(pairs: float, tasks: int) -> float:
    """Peak memory of one clusters task (imports included) for `pairs` match pairs over `tasks`."""
    if tasks <= 1:
        return GLOBAL_TASK_BASE_MB + CLUSTERS_BYTES_PER_PAIR * pairs / MB
    return GLOBAL_TASK_BASE_MB + max(SHARDED_BYTES_PER_PAIR * pairs / tasks / MB, DECIDE_MB)


def cluster_tasks_for(pairs: float, memory_mb: float) -> int:
    """The fewest clusters tasks whose predicted peak fits in `memory_mb` (1: the single task)."""
    if cluster_memory_mb(pairs, 1) <= memory_mb:
        return 1
    room = max(memory_mb - GLOBAL_TASK_BASE_MB, DECIDE_MB) * MB
    return max(2, math.ceil(SHARDED_BYTES_PER_PAIR * pairs / room))


def dedup_costs(work: Workload, bands: int, splits: int, cluster_tasks: int, rounds: int) -> list[PhaseCost]:
    """The dedup phases' costs: keys (document job), buckets, clusters (one or the sharded jobs),
    filter (next document job). `bands` counts the exact band too."""
    docs = work.docs
    pairs = work.measured.get("pairs", PAIRS_PER_DOC * docs)
    source = "measured" if "pairs" in work.measured else "assumed"
    keys_per_unit = docs / splits
    costs = [
        PhaseCost(
            "documents",
            work.docs_per_task * (bands * KEYS_TASK_BYTES_PER_DOC_BAND + IDS_TASK_BYTES_PER_DOC) / MB,
            scratch_bytes=docs * (bands * KEY_BYTES + ID_FILE_BYTES_PER_DOC),
            cpu_s=KEYS_CPU_S_PER_DOC * docs,
            basis=f"{bands} x 48 B + 100 B x {work.docs_per_task:.2g} docs per task",
        ),
        PhaseCost(
            "buckets",
            GLOBAL_TASK_BASE_MB + BUCKETS_BYTES_PER_KEY * keys_per_unit / MB,
            scratch_bytes=MATCH_BYTES * pairs,
            cpu_s=BUCKETS_CPU_S_PER_KEY * docs * bands,
            basis=f"75 B x {keys_per_unit:.2g} keys per band and split",
        ),
    ]
    pair_basis = f"{pairs:.2g} pairs ({source})"
    if cluster_tasks <= 1:
        costs.append(
            PhaseCost(
                "clusters",
                cluster_memory_mb(pairs, 1),
                scratch_bytes=docs * 0.2 * 20,
                cpu_s=CLUSTERS_CPU_S_PER_PAIR * pairs,
                basis=f"63 B x {pair_basis}",
            )
        )
        return costs
    names = ["clusters", *(f"clusters-round{k}" for k in range(1, rounds + 1))]
    names += ["clusters-finish", "clusters-labels", "clusters-decide"]
    per_job_cpu = SHARDED_CPU_S_PER_PAIR * pairs / len(names) + SHARDED_CPU_S_PER_TASK_JOB * cluster_tasks
    local = GLOBAL_TASK_BASE_MB + SHARDED_BYTES_PER_PAIR * pairs / cluster_tasks / MB
    for name in names:
        if name == "clusters":
            memory, basis = local, f"65 B x {pair_basis} / {cluster_tasks} tasks"
        elif name == "clusters-decide":
            memory, basis = GLOBAL_TASK_BASE_MB + DECIDE_MB, "reads its tasks' id files: ~90 MB"
        else:  # rounds, finish, labels: the star edges of their partition, at most the local job's
            memory = GLOBAL_TASK_BASE_MB + SHARDED_BYTES_PER_PAIR * pairs / cluster_tasks / MB / 4
            basis = "star edges of its partition (~1/4 of the local job's)"
        scratch = 2 * MATCH_BYTES * pairs / cluster_tasks if name != "clusters-decide" else docs * 0.2 * 20
        costs.append(PhaseCost(name, memory, scratch_bytes=scratch, cpu_s=per_job_cpu, basis=basis))
    return costs
