"""The cost of `output: s3://bucket/run`: the same run to a local folder and to an S3 store, on the
same machine, rounds alternated.

    .venv/bin/python scripts/bench/store_output.py [--copies 2] [--rounds 2]

The store is moto's S3 server on 127.0.0.1, in a process of its own (its CPU is the store's, not
curator's, and is not counted). The run reads ../shared/data/bench/real-pages.warc.gz linked
`--copies` times (one file per task) through extract (fast), lid (fasttext) and dedup (a document job
and dedup's global phases), 2 tasks, 2 workers. Each run is `curator run --fresh` in a subprocess:
wall seconds and CPU seconds of the whole process tree (RUSAGE_CHILDREN), uploads included, and
the PUT requests per run (from moto's request log) against the objects the run leaves.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from common import link_copies, require_input

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.measure import children_cpu_seconds  # noqa: E402

SERVER = """
import sys, time
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("%s:%s" % server.get_host_and_port(), flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
"""
STAGES = [{"extract": {"engine": "fast"}}, {"lid": {"engine": "fasttext"}}, {"dedup": {}}]
ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}


def config(folder: Path, name: str, files: list[Path], output: str, store: dict | None) -> Path:
    cfg = {
        "name": "store-bench",
        "input": {"format": "warc", "paths": [str(f) for f in files]},
        "output": output,
        "executor": {"tasks": len(files), "workers": 2},
        "report": False,
        "stages": STAGES,
    }
    if store:
        cfg["output_store"] = store
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def curator_run(cfg: Path, env: dict) -> tuple[float, float]:
    cpu, wall = children_cpu_seconds(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "curator.cli", "run", str(cfg), "--fresh", "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return time.perf_counter() - wall, children_cpu_seconds() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    require_input()
    env = {**os.environ, **ENV}
    log = tempfile.NamedTemporaryFile("w+", prefix="moto-", suffix=".log")  # noqa: SIM115  (read at the end)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
    )
    try:
        endpoint = "http://" + server.stdout.readline().strip()
        import s3fs

        s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint}, key="bench", secret="bench").mkdir(
            "bench"
        )
        with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
            folder = Path(tmp)
            files = link_copies(folder / "input", args.copies)
            store = {
                "storage_options": {"client_kwargs": {"endpoint_url": endpoint}},
                "staging": str(folder / "staging"),
            }
            configs = {
                "local": config(folder, "local", files, str(folder / "local"), None),
                "s3": config(folder, "s3", files, "s3://bench/run", store),
            }
            rows: dict[str, list[tuple[float, float]]] = {"local": [], "s3": []}
            for _ in range(args.rounds):
                for name, cfg in configs.items():
                    rows[name].append(curator_run(cfg, env))
            objects = s3fs.S3FileSystem(
                client_kwargs={"endpoint_url": endpoint},
                key="bench",
                secret="bench",
                skip_instance_cache=True,
            ).find("bench/run", detail=True)
    finally:
        server.stdin.close()
        server.wait(10)
    log.seek(0)
    put_keys = [
        line.split('"PUT /bench/run/', 1)[1].split(" ", 1)[0] for line in log if '"PUT /bench/run/' in line
    ]
    puts = len(put_keys) / args.rounds  # moto logs each request
    again = Counter(
        k.split("/")[0] if "/" in k else k for k, n in Counter(put_keys).items() if n > args.rounds
    )
    mb = sum(o["size"] for o in objects.values()) / 1e6
    print(
        f"bench WARC x{args.copies}, stages extract(fast) lid(fasttext) dedup, 2 tasks, {args.rounds} rounds, "
        f"{time.strftime('%Y-%m-%d %H:%M')}; store: moto on 127.0.0.1, {len(objects)} objects, {mb:.1f} MB, {puts:.0f} PUTs per run"
    )
    print(f"{'output':<8} {'wall s (best)':>14} {'CPU s (best)':>13}")
    best = {name: (min(w for w, _ in r), min(c for _, c in r)) for name, r in rows.items()}
    for name, (wall, cpu) in best.items():
        print(f"{name:<8} {wall:>14.1f} {cpu:>13.1f}")
    print(
        f"s3 / local: wall {best['s3'][0] / best['local'][0]:.2f}x, CPU {best['s3'][1] / best['local'][1]:.2f}x"
    )
    print(f"objects sent more than once per run, by top folder: {dict(again)}")
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
