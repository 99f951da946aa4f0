"""Peak memory of every job of curator's pipeline at 1x, 3x and 10x the input: does it stay flat?

The input is the first `--base-pages` pages of ../shared/data/bench/real-pages.warc.gz (real pages),
linked once per `--base-pages` block: 1x, 3x, 10x files with the same tasks and workers, so each
task streams 1, 3, 10 times as many documents. Each scale runs in a fresh process; its process tree
(the runner and datatrove's pool workers) is polled with psutil, and every sample is charged to the
job running then (the last job of run.json whose log folder exists). Printed per job: the largest
single process (one worker: what a Slurm task needs) and the whole tree, and their 10x/1x ratio.

Flat means within ±20% of 1x. Dedup's global phases (buckets, clusters) hold its index: for them the
growth per million documents is printed (RSS, and the signature/bucket files on disk).

    .venv/bin/python scripts/bench/memory.py                    # fast engine, 300-page base
    .venv/bin/python scripts/bench/memory.py --engine trafilatura --base-pages 600
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    BENCH_WARC,
    curator_config,
    failed,
    machine,
    print_table,
    require_input,
    run_curator_config,
    run_python,
)

from scripts.devtools.measure import TreeMemorySampler  # noqa: E402

SCALES = (1, 3, 10)
FLAT = 0.20
MB = 1024 * 1024


def write_base_input(path: Path, pages: int) -> int:
    """The first `pages` response records of the bench WARC (its gzip members copied byte for byte)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    require_input()
    end, n = 0, 0
    with open(BENCH_WARC, "rb") as f:
        for record in ArchiveIterator(f, record_types=WarcRecordType.response | WarcRecordType.warcinfo):
            if record.record_type == WarcRecordType.response:
                if n == pages:
                    end = record.stream_pos
                    break
                n += 1
        else:
            end = BENCH_WARC.stat().st_size
    with open(BENCH_WARC, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read(end))
    return n


def current_job(output: Path):
    """The job running now: the last job of run.json whose log folder exists."""
    names: list[str] = []

    def phase() -> str | None:
        if not names:
            try:
                names.extend(j["name"] for j in json.loads((output / "run.json").read_text())["jobs"])
            except (OSError, ValueError, KeyError):
                return None
        started = [n for n in names if (output / "logs" / n).exists()]
        return started[-1] if started else None

    return phase


def dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def run_scale(scale: int, base: Path, scratch: Path, engine: str, tasks: int, workers: int) -> dict:
    """Run the pipeline on `scale` copies of the base input in a child process, sampling its memory."""
    work = scratch / f"x{scale}"
    shutil.rmtree(work, ignore_errors=True)
    inputs = work / "input"
    inputs.mkdir(parents=True)
    for i in range(scale):
        (inputs / f"base-{i:03d}.warc.gz").symlink_to(base)
    output = work / "run"
    config = curator_config(sorted(inputs.iterdir()), output, None, engine, tasks, workers)
    (work / "config.json").write_text(json.dumps(config))
    start = time.perf_counter()
    log = scratch / f"x{scale}.log"
    proc = run_python([__file__, "--one", str(work / "config.json")], log)
    with TreeMemorySampler(proc.pid, current_job(output)) as sampler:
        proc.wait()
    if proc.returncode != 0:
        raise failed(f"{scale}x", proc, log)
    stats = {p.stem: json.loads(p.read_text()) for p in (output / "stats").glob("*.json")}
    result = {
        "seconds": time.perf_counter() - start,
        "docs_in": stats["extract"]["docs_in"],
        "docs_dedup": stats["dedup"]["docs_in"],
        "peaks": sampler.peaks,
        "index_jobs": [
            j["name"]
            for j in json.loads((output / "run.json").read_text())["jobs"]
            if j["kind"] == "global" and "dedup" in j["stages"]
        ],
        "dedup_index_bytes": dir_bytes(output / "stages" / "dedup"),
    }
    shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--engine", default="fast", help="extract engine (trafilatura, hybrid, fast, resiliparse)"
    )
    parser.add_argument("--base-pages", type=int, default=300, help="pages of the 1x input")
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a child process: run one config
        config = json.loads(Path(args.one).read_text())
        run_curator_config(config, Path(args.one).with_suffix(".yaml"))
        return

    print(f"machine: {machine()}")
    scratch = Path(tempfile.mkdtemp(prefix="curator-bench-memory-"))
    try:
        base = scratch / "base.warc.gz"
        pages = write_base_input(base, args.base_pages)
        print(
            f"input: {pages} pages (1x) of real-pages.warc.gz; engine {args.engine}, tasks {args.tasks}, "
            f"workers {args.workers}",
            flush=True,
        )
        results = {}
        for scale in SCALES:
            results[scale] = run_scale(scale, base, scratch, args.engine, args.tasks, args.workers)
            r = results[scale]
            print(f"  {scale:>2}x: {r['docs_in']} documents, {r['seconds']:.0f} s", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(results)


def report(results: dict[int, dict]) -> None:
    low, high = SCALES[0], SCALES[-1]
    jobs = list(results[high]["peaks"])
    rows, not_flat = [], []
    for job in jobs:
        process = [results[s]["peaks"].get(job, {}).get("process", 0) / MB for s in SCALES]
        tree = [results[s]["peaks"].get(job, {}).get("tree", 0) / MB for s in SCALES]
        ratio = process[-1] / process[0] if process[0] else float("nan")
        is_index = job in results[high]["index_jobs"]
        flat = abs(ratio - 1) <= FLAT
        if not flat and not is_index:
            not_flat.append(job)
        rows.append(
            [
                job,
                *(f"{v:.0f}" for v in process),
                f"{ratio:.2f}",
                *(f"{v:.0f}" for v in tree),
                "index" if is_index else ("flat" if flat else "GROWS"),
            ]
        )
    print()
    print_table(
        [
            "job",
            *(f"worker MB {s}x" for s in SCALES),
            f"{high}x/{low}x",
            *(f"tree MB {s}x" for s in SCALES),
            "verdict",
        ],
        rows,
    )
    docs = {s: results[s]["docs_dedup"] for s in SCALES}
    added = (docs[high] - docs[low]) / 1e6
    print(f"\ndocuments into dedup: {', '.join(f'{s}x {docs[s]}' for s in SCALES)}")
    if added > 0:
        disk = (results[high]["dedup_index_bytes"] - results[low]["dedup_index_bytes"]) / MB / added
        print(f"dedup index on disk (signatures, buckets, clusters): {disk:.0f} MB per million documents")
        for job in results[high]["index_jobs"]:
            grow = (
                (results[high]["peaks"][job]["process"] - results[low]["peaks"][job]["process"]) / MB / added
            )
            print(
                f"{job}: peak worker RSS {results[low]['peaks'][job]['process'] / MB:.0f} MB at {docs[low]} "
                f"documents, {grow:+.0f} MB per million documents between {low}x and {high}x"
            )
        if added < 0.1:
            print(
                f"  (only {added * 1e6:.0f} documents apart: steps of the allocator and imported modules dominate"
                " such a slope, an upper bound; scripts/bench/dedup.py --docs 100000 measures dedup alone)"
            )
    print(
        "\nflat (within ±20% of 1x): "
        + ("every document job" if not not_flat else f"NOT {', '.join(not_flat)}")
    )


if __name__ == "__main__":
    main()
