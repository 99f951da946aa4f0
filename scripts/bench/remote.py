"""Reading the bench WARC over HTTP and hf:// vs from local disk, in one run, on the same machine.

    .venv/bin/python scripts/bench/remote.py [--copies 4] [--rounds 2]

The HTTP side is the test suite's Common Crawl look-alike (tests/cc_server.py: the standard
library's server on 127.0.0.1, Range support) serving ../shared/data/bench/real-pages.warc.gz
under crawl-data/.../warc/ `--copies` times; the hf:// side is the Hub emulator (tests/hub_server.py:
HfFileSystem's 8 MB ranged reads through the LFS redirect) serving the same copies. Each reading runs curator's WarcDocReader (the read step
of every run) in a fresh process and reports documents, seconds, MB/s and the process's peak RSS
(VmHWM): reading 1 copy and `--copies` copies should need the same memory, because a remote file
is parsed as it arrives and never held whole.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.cc_server

from common import require_input  # noqa: E402

from tests.cc_server import CCServer  # noqa: E402
from tests.hub_server import HubRepo, HubServer  # noqa: E402

READ = """
import json, sys, time
from curator.core.readers import WarcDocReader, peak_rss_mb
files, options = json.loads(sys.argv[1]), json.loads(sys.argv[2])
base = peak_rss_mb()
t = time.perf_counter()
reader = WarcDocReader(files, storage_options=options)
docs = sum(1 for _ in reader.run(rank=0, world_size=1))
print(json.dumps({"docs": docs, "seconds": time.perf_counter() - t, "peak_mb": peak_rss_mb(),
                  "start_mb": base}))
"""


def read(files: list[str], options: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    command = [sys.executable, "-c", READ, json.dumps(files), json.dumps(options or {})]
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    warc = require_input()
    size = warc.stat().st_size
    tree = {
        f"crawl-data/CC-MAIN-2024-22/segments/0/warc/bench-{i:05d}.warc.gz": warc for i in range(args.copies)
    }
    rows = []
    repo = HubRepo("bench/cc", {"main": tree})
    with CCServer(tree) as server, HubServer([repo]) as hub:
        urls = [server.url + p for p in sorted(tree)]
        hf = [f"hf://datasets/bench/cc/{p}" for p in sorted(tree)]
        for r in range(args.rounds):
            for name, files, options in (
                ("local, 1 file", [str(warc)], None),
                ("http, 1 file", urls[:1], None),
                ("hf, 1 file", hf[:1], {"endpoint": hub.url}),
                (f"local, {args.copies} files", [str(warc)] * args.copies, None),
                (f"http, {args.copies} files", urls, None),
                (f"hf, {args.copies} files", hf, {"endpoint": hub.url}),
            ):
                res = read(files, options)
                res.update(name=name, round=r, mb=size * len(files) / 1e6)
                rows.append(res)
    print(f"bench WARC {size / 1e6:.1f} MB, {time.strftime('%Y-%m-%d %H:%M')}, rounds {args.rounds}")
    print(f"{'reading':<18} {'docs':>6} {'s':>7} {'MB/s':>7} {'docs/s':>7} {'peak RSS MB':>12}")
    for name in dict.fromkeys(r["name"] for r in rows):
        sel = sorted((r for r in rows if r["name"] == name), key=lambda r: r["seconds"])
        best = sel[0]
        peak = max(r["peak_mb"] for r in sel)
        print(
            f"{name:<18} {best['docs']:>6} {best['seconds']:>7.2f} {best['mb'] / best['seconds']:>7.1f} "
            f"{best['docs'] / best['seconds']:>7.0f} {peak:>12.0f}"
        )
    local = min(r["seconds"] for r in rows if r["name"] == f"local, {args.copies} files")
    http = min(r["seconds"] for r in rows if r["name"] == f"http, {args.copies} files")
    hf = min(r["seconds"] for r in rows if r["name"] == f"hf, {args.copies} files")
    print(f"http / local time ({args.copies} files, best of {args.rounds}): {http / local:.2f}x")
    print(f"hf / local time ({args.copies} files, best of {args.rounds}): {hf / local:.2f}x")


if __name__ == "__main__":
    main()
