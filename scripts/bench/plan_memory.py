"""Does `curator plan` predict the dedup and quality global jobs' peak memory? Predicted vs measured.

Each job runs for real on synthetic side files, in its own process, and its peak RSS (VmHWM,
imports included: what Slurm's MaxRSS reports) is compared with what the stage's estimates
(stages/dedup/estimates.py, stages/quality/estimates.py) predict from the same document and pair
counts, the way `curator plan --from PILOT` would after a pilot measured them:

- dedup buckets: one band's keys of `--docs` documents over 16 tasks, one task (bucket_splits 1).
- dedup clusters: the planted heavy-tailed corpus of scale_dedup.py; N = 1 (single task) and the
  sharded jobs for N = 4, 16 (each job's tasks one after another, VmHWM reset before each; the
  phase's peak is the largest task of any of its jobs).
- quality buckets: scores of `--docs` documents, 2 classifiers, 60 languages (Zipf shares).

    .venv/bin/python scripts/bench/plan_memory.py                  # ~3 M docs, ~4 M pairs
    .venv/bin/python scripts/bench/plan_memory.py --docs 1000000 --duplicates 150000   # quick
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_dedup  # noqa: E402

_PEAK = """
def _status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
import json
print(json.dumps({"peak_mb": _status("VmHWM")}))
"""


def run_isolated(code: str) -> float:
    """Peak RSS (MB) of a fresh Python process running `code`, imports included."""
    script = f"import sys\nsys.path.insert(0, {str(ROOT / 'src')!r})\n{code}\n{_PEAK}"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_mb"]


def buckets(folder: Path, docs: int, ranks: int = 16) -> float:
    from curator.stages.dedup.files import KEY_DTYPE, DedupFiles, doc_key, save_array

    rng = np.random.default_rng(1)
    files = DedupFiles(folder)
    per_rank = docs // ranks
    for r in range(ranks):
        rows = np.empty(per_rank, KEY_DTYPE)
        rows["hi"] = rng.integers(0, 2**63, per_rank, dtype=np.uint64) * np.uint64(2)
        rows["lo"] = rng.integers(0, 2**8, per_rank, dtype=np.uint64)  # some equal keys: matches
        rows["doc"] = doc_key(r, np.arange(per_rank))
        rows.sort(order=["hi", "lo", "doc"])
        save_array(files.keys("band_000", r), rows)
    return run_isolated(
        "from curator.stages.dedup.buckets import DedupBuckets\n"
        f"list(DedupBuckets({str(folder)!r}, ['band_000'], 1).run(None, 0, 1))"
    )


LANGUAGES = [f"l{i:02d}_Latn" for i in range(60)]


def quality(folder: Path, docs: int, exact: bool, ranks: int = 16) -> float:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(2)
    share = 1 / np.arange(1, len(LANGUAGES) + 1)
    share /= share.sum()
    scores = folder / "scores"
    scores.mkdir(parents=True)
    per_rank = docs // ranks
    for r in range(ranks):
        languages = rng.choice(len(LANGUAGES), per_rank, p=share)
        table = pa.table(
            {
                "language": pa.array([LANGUAGES[i] for i in languages]),
                "web": rng.random(per_rank),
                "edu": rng.beta(2, 5, per_rank),
            }
        )
        pq.write_table(table, scores / f"{r:05d}.parquet")
    return run_isolated(
        "import curator.stages.quality.edges as edges\n"
        f"edges.EXACT_MAX_DOCS = {docs if exact else 0}\n"
        "from curator.stages.quality.edges import QualityBucketEdges\n"
        "from curator.stages.quality.thresholds import QualityThresholds\n"
        f"list(QualityBucketEdges({str(scores)!r}, {str(folder / 'buckets.json')!r}, ['web', 'edu'], "
        "QualityThresholds(None, None, None)).run(None, 0, 1))"
    )


def main() -> None:
    from curator.core.estimates import Workload
    from curator.stages.dedup import estimates as dedup
    from curator.stages.quality import estimates as quality_estimates

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--docs", type=int, default=3_000_000, help="documents of the buckets and quality jobs"
    )
    parser.add_argument("--duplicates", type=int, default=300_000, help="planted duplicates (clusters)")
    parser.add_argument("--tasks", type=int, nargs="+", default=[4, 16])
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="plan-memory-") as tmp:
        tmp = Path(tmp)
        work = Workload(pages=args.docs, docs=args.docs, tasks=16)
        measured = buckets(tmp / "buckets", args.docs)
        predicted = {c.phase: c for c in dedup.dedup_costs(work, 1, 1, 1, 4)}["buckets"]
        rows.append(("dedup buckets", f"{args.docs:,} keys", predicted.memory_mb, measured))

        for exact in (True, False):  # today's exact computation (for any size here), the summaries
            measured = quality(tmp / f"quality-{exact}", args.docs, exact)
            predicted = quality_estimates.buckets_memory_mb(args.docs, 16, 2, summaries=not exact)[0]
            mode = "exact" if exact else "summaries"
            rows.append(
                (f"quality buckets ({mode})", f"{args.docs:,} docs x 2 classifiers", predicted, measured)
            )

        stage = tmp / "clusters"
        corpus = scale_dedup.write_corpus(stage, args.duplicates, 64)
        pairs = corpus["pairs"]
        cluster_work = Workload(
            pages=corpus["documents"], docs=corpus["documents"], tasks=64, measured={"pairs": pairs}
        )
        for tasks in [1, *args.tasks]:
            result = scale_dedup.measure(stage, tasks, 4)
            costs = dedup.dedup_costs(cluster_work, 15, 1, tasks, 4)
            predicted = max(c.memory_mb for c in costs if c.phase.startswith("clusters"))
            rows.append((f"dedup clusters N={tasks}", f"{pairs:,} pairs", predicted, result["peak_mb"]))
            print(json.dumps(rows[-1]), flush=True)

    print("\n| job | size | predicted peak per task (MB) | measured (MB) | predicted / measured |")
    print("|---|---|---|---|---|")
    for name, size, predicted, measured in rows:
        print(f"| {name} | {size} | {predicted:.0f} | {measured:.0f} | {predicted / measured:.2f} |")
    worst = max(abs(p / m - 1) for _, _, p, m in rows)
    print(f"\nlargest relative error: {worst:.0%} (goal: within 30%)")


if __name__ == "__main__":
    main()
