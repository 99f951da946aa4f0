"""Per-stage cost of a config on real pages, extrapolated to Common Crawl dumps (docs/slurm.md, "Running at scale").

Runs `curator run` on one task in one process (so CPU time is the pipeline's, not a pool's), then
prints, per stage, documents in, wall seconds, milliseconds per input page and the ratio to
reading the WARC (the baseline, measured in the same run), and the CPU core-hours a dump of
--pages-per-dump pages would take at this rate.

    .venv/bin/python scripts/bench/scale_estimate.py --config runs/full.yaml
    .venv/bin/python scripts/bench/scale_estimate.py --input ../shared/data/bench/real-pages.warc.gz --dumps 100

On a shared machine wall times include waiting for a CPU; the CPU time (user + sys) does not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.measure import children_cpu_seconds, children_peak_rss_mb  # noqa: E402
from scripts.devtools.shared import PROJECT_ROOT, shared_data  # noqa: E402

DEFAULT_INPUT = shared_data("bench", "real-pages.warc.gz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=str(PROJECT_ROOT / "configs" / "demo.yaml"))
    parser.add_argument("--input", default=str(DEFAULT_INPUT), help="a WARC of real pages")
    parser.add_argument(
        "--pages-per-dump",
        type=float,
        default=2.7e9,
        help="HTML responses in one Common Crawl dump (about 2.5-3.1e9 in 2023-2025 dumps)",
    )
    parser.add_argument("--dumps", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="curator-scale-") as tmp:
        output = Path(tmp) / "run"
        command = [
            str(Path(sys.executable).parent / "curator"),
            "run",
            args.config,
            "--fresh",
            "--no-progress",
            "--set",
            f"input.paths=[{Path(args.input).resolve()}]",
            "--set",
            f"output={output}",
            "--set",
            "executor.kind=local",
            "--set",
            "executor.tasks=1",
            "--set",
            "executor.workers=1",
        ]
        cpu0, wall0 = children_cpu_seconds(), time.monotonic()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu, wall = children_cpu_seconds() - cpu0, time.monotonic() - wall0
        peak_mb = children_peak_rss_mb()
        stats = {p.stem: json.loads(p.read_text()) for p in (output / "stats").glob("*.json")}
        record = json.loads((output / "run.json").read_text())

    order = ["read"] + list(dict.fromkeys(s for job in record["jobs"] for s in job["stages"]))
    pages = stats["read"]["docs_out"]
    baseline = stats["read"]["time_s"] or 1e-9
    stage_wall = sum(stats[s]["time_s"] for s in order if s in stats)
    print(f"input: {args.input}: {pages} pages; config {args.config}; 1 task")
    print(f"{'stage':<12} {'docs in':>8} {'wall s':>8} {'ms/page':>8} {'x read':>7} {'core-h/dump':>12}")
    for stage in (s for s in order if s in stats):
        st = stats[stage]
        share = st["time_s"] / stage_wall if stage_wall else 0
        core_hours = cpu * share / pages * args.pages_per_dump / 3600
        print(
            f"{stage:<12} {st['docs_in']:>8} {st['time_s']:>8.2f} {1000 * st['time_s'] / pages:>8.2f} "
            f"{st['time_s'] / baseline:>7.1f} {core_hours:>12,.0f}"
        )
    per_page = cpu / pages
    if "extract" in stats and stats["extract"]["docs_out"]:
        extract = stats["extract"]
        print(
            f"extracted text: {extract['chars_out'] / extract['docs_out']:,.0f} chars per document "
            f"({extract['chars_in'] / max(extract['docs_in'], 1):,.0f} chars of HTML in)"
        )
    print(
        f"total: {wall:.1f} s wall, {cpu:.1f} s CPU (includes ~{record.get('seconds', 0):.0f} s in jobs), "
        f"{1000 * per_page:.1f} CPU ms/page, peak RSS {peak_mb:.0f} MB"
    )
    dump_hours = per_page * args.pages_per_dump / 3600
    print(
        f"estimate: {dump_hours:,.0f} core-hours per dump of {args.pages_per_dump:.2g} pages; "
        f"{dump_hours * args.dumps:,.0f} core-hours for {args.dumps} dumps (CPU only, no I/O waits)"
    )


if __name__ == "__main__":
    main()
