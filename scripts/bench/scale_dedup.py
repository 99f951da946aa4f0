"""Sharded dedup clustering at scale: peak memory per task falls ~1/N, clusters identical for every N.

Input: a synthetic corpus written directly in the buckets phase's on-disk format (documents/<rank>
ids and matches/<band>-000.npy pairs; signing millions of documents would take hours here). Planted
clusters of heavy-tailed sizes: Zipf(2.2) sizes (most 2-3 documents), plus 20 clusters of 10^3 and
5 of 10^4 members; every other document of the corpus is unique (no pairs). Per band, each member
carries one of three band values (p = 0.8, 0.1, 0.1; band 0: all the same, so every planted cluster
is connected), and equal values pair with their run's first document, as the buckets phase does:
~13 pairs per duplicate over the exact band and 14 MinHash bands.

For N = 1 (today's single task, DedupClusters) and each N of --tasks (ShardedClusters: local,
rounds, finish, labels, decide jobs), every job runs in its own process, its N tasks one after
another; before each task the kernel's peak RSS (VmHWM) is reset to the current RSS (writing 5 to
/proc/self/clear_refs), so each task's own peak is read (imports peak higher than a small task:
ru_maxrss would hide it). Reported per N: the largest peak RSS of any task of any job (imports included, ~200-250 MB), and
the largest growth of one task over the process's RSS before it (the task's own memory; its job is
named), wall and CPU seconds of the whole
phase (wall includes one Python start and imports per job), the residual edges, and whether every
decisions file equals N = 1's (and N = 1's clusters the planted ones).

    .venv/bin/python scripts/bench/scale_dedup.py                    # ~8M pairs, N = 1, 4, 16, 64
    .venv/bin/python scripts/bench/scale_dedup.py --duplicates 200000 --tasks 4   # quick
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

BANDS = 15  # exact + 14 MinHash bands
VARIANTS = np.array([0.8, 0.1, 0.1])


def cluster_sizes(duplicates: int, rng) -> np.ndarray:
    """Heavy-tailed planted sizes (>= 2) whose duplicates (size - 1) add up to ~`duplicates`."""
    big = [10_000] * 5 + [1_000] * 20
    remaining = duplicates - sum(s - 1 for s in big)
    if remaining < 10_000:
        raise SystemExit(
            f"--duplicates {duplicates}: at least {duplicates - remaining + 10_000} (big clusters)"
        )
    sizes = np.minimum(rng.zipf(2.2, size=int(remaining)) + 1, 500)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes - 1), remaining)) + 1]
    return np.concatenate([np.array(big), sizes])


def write_corpus(stage_dir: Path, duplicates: int, ranks: int, seed: int = 0) -> dict:
    import pyarrow as pa

    from curator.stages.dedup.files import MATCH_DTYPE, DedupFiles, doc_key, save_array, save_table

    rng = np.random.default_rng(seed)
    sizes = cluster_sizes(duplicates, rng)
    in_clusters = int(sizes.sum())
    per_rank = int(np.ceil(in_clusters * 2 / ranks))  # as many unique documents as clustered ones
    files = DedupFiles(stage_dir)
    for r in range(ranks):
        save_table(files.documents(r), pa.table({"id": pa.array([f"d{r}-{p}" for p in range(per_rank)])}))
    chosen = rng.choice(ranks * per_rank, size=in_clusters, replace=False)
    members = doc_key(chosen // per_rank, chosen % per_rank).astype(np.uint64)
    cluster_of = np.repeat(np.arange(len(sizes)), sizes)
    pairs = 0
    for band in range(BANDS):
        variant = np.zeros(in_clusters, np.int64) if band == 0 else rng.choice(3, in_clusters, p=VARIANTS)
        order = np.lexsort((members, variant, cluster_of))
        group = (cluster_of * 3 + variant)[order]
        keys = members[order]
        first = np.ones(len(keys), bool)
        first[1:] = group[1:] != group[:-1]
        run_first = keys[np.flatnonzero(first)[np.cumsum(first) - 1]]
        matches = np.empty(int((~first).sum()), MATCH_DTYPE)
        matches["a"], matches["b"] = run_first[~first], keys[~first]
        name = "exact" if band == 0 else f"band_{band - 1:03d}"
        save_array(files.matches(name, 0), matches)
        pairs += len(matches)
    return {
        "documents": ranks * per_rank,
        "in_clusters": in_clusters,
        "clusters": len(sizes),
        "pairs": pairs,
        "size_histogram": {
            "2-3": int(((sizes >= 2) & (sizes <= 3)).sum()),
            "4-99": int(((sizes >= 4) & (sizes < 100)).sum()),
            "100-999": int(((sizes >= 100) & (sizes < 1000)).sum()),
            "1000+": int((sizes >= 1000).sum()),
        },
        "planted_sizes": np.sort(sizes).tolist(),
    }


_JOB = """
import json, resource, sys
sys.path.insert(0, {src!r})
from curator.stages.dedup.clusters import DedupClusters
from curator.stages.dedup.shards import ShardedClusters
step, tasks, rounds, index = {step!r}, {tasks}, {rounds}, {index}

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024

peaks, bases = [], []
for rank in range(tasks):
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
    bases.append(status("VmRSS"))
    if step == "single":
        list(DedupClusters({stage!r}).run(None, 0, 1))
    else:
        list(ShardedClusters({stage!r}, step, tasks, rounds, index).run(None, rank, tasks))
    peaks.append(status("VmHWM"))
usage = resource.getrusage(resource.RUSAGE_SELF)
above = max(p - b for p, b in zip(peaks, bases))
print(json.dumps({{"peak_mb": max(peaks), "above_mb": above, "cpu_s": usage.ru_utime + usage.ru_stime}}))
"""


def run_job(stage: Path, step: str, tasks: int, rounds: int, index: int = 0) -> dict:
    code = _JOB.format(
        src=str(ROOT / "src"), stage=str(stage), step=step, tasks=tasks, rounds=rounds, index=index
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - start
    return result


def decisions_digest(stage: Path) -> str:
    import pyarrow.parquet as pq

    digest = hashlib.sha256()
    for path in sorted((stage / "decisions").glob("*.parquet")):
        digest.update(path.name.encode())
        digest.update(json.dumps(pq.read_table(path).to_pydict(), default=str).encode())
    return digest.hexdigest()


def found_sizes(stage: Path) -> list[int]:
    import pyarrow.parquet as pq

    sizes = []
    for path in sorted((stage / "decisions").glob("*.parquet")):
        table = pq.read_table(path, columns=["cluster_size", "reason"]).to_pydict()
        sizes += [s for s, r in zip(table["cluster_size"], table["reason"], strict=True) if r is None]
    return sorted(sizes)


def measure(stage: Path, tasks: int, rounds: int) -> dict:
    shutil.rmtree(stage / "shards", ignore_errors=True)
    shutil.rmtree(stage / "decisions", ignore_errors=True)
    if tasks == 1:
        jobs = [("single", 0)]
    else:
        jobs = [("local", 0), *(("round", k) for k in range(1, rounds + 1)), ("finish", 0), ("labels", 0)]
        jobs.append(("decide", 0))
    results = [run_job(stage, step, tasks, rounds, index) for step, index in jobs]
    residual = sum(len(np.load(p)) for p in (stage / "shards" / "residual").glob("*.npy")) if tasks > 1 else 0
    top = max(results, key=lambda r: r["above_mb"])
    return {
        "tasks": tasks,
        "jobs": len(jobs),
        "peak_mb": max(r["peak_mb"] for r in results),
        "peak_above_imports_mb": top["above_mb"],
        "peak_job": jobs[results.index(top)][0],
        "above_per_job_mb": {
            f"{s}{i or ''}": round(r["above_mb"], 1) for (s, i), r in zip(jobs, results, strict=True)
        },
        "wall_s": sum(r["wall_s"] for r in results),
        "cpu_s": sum(r["cpu_s"] for r in results),
        "residual_edges": residual,
        "digest": decisions_digest(stage),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duplicates", type=int, default=650_000, help="planted duplicate documents")
    parser.add_argument("--ranks", type=int, default=64, help="document tasks of the keys phase")
    parser.add_argument("--tasks", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()

    stage = args.keep or Path(tempfile.mkdtemp(prefix="scale-dedup-"))
    try:
        start = time.perf_counter()
        corpus = write_corpus(stage, args.duplicates, args.ranks)
        planted = corpus.pop("planted_sizes")
        print(f"corpus ({time.perf_counter() - start:.0f} s): {json.dumps(corpus)}", flush=True)
        rows = []
        for tasks in [1, *args.tasks]:
            row = measure(stage, tasks, args.rounds)
            row["same_as_single"] = row["digest"] == rows[0]["digest"] if rows else True
            if tasks == 1:
                row["planted_clusters_found"] = found_sizes(stage) == planted
            rows.append(row)
            print(json.dumps(row), flush=True)
        print(
            f"\n{corpus['pairs']:,} match pairs, {corpus['in_clusters']:,} documents in "
            f"{corpus['clusters']:,} planted clusters (sizes {corpus['size_histogram']}), "
            f"{corpus['documents']:,} documents; rounds {args.rounds}\n"
        )
        print(
            "| N | jobs | peak RSS per task (MB) | task's own peak (MB) | in job | wall (s) | CPU (s) "
            "| residual edges | decisions = N=1 |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['tasks']} | {r['jobs']} | {r['peak_mb']:.0f} | {r['peak_above_imports_mb']:.0f} | "
                f"{r['peak_job']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['residual_edges']:,} | "
                f"{'yes' if r['same_as_single'] else 'NO'} |"
            )
        print(f"\nplanted clusters found exactly by N=1: {rows[0]['planted_clusters_found']}")
        if not all(r["same_as_single"] for r in rows):
            raise SystemExit("decisions differ between task counts")
    finally:
        if not args.keep:
            shutil.rmtree(stage, ignore_errors=True)


if __name__ == "__main__":
    main()
