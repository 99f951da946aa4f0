"""Does the rebalance stage stream? Peak memory and time at 1x and Kx corpus size, vs a plain read.

Documents are real sentences (../shared/data/lid-dev) repeated to size, 3 languages, random cluster
sizes and quality scores. Each measurement runs in a fresh process (peak RSS is per process):
  baseline: pyarrow reads every file's text column batch by batch (the least any pass must do)
  plan:     RebalancePlanner (statistics pass + plan)
  write:    the write job's steps (read, decide repetitions, write OUTPUT/mix)
Printed: seconds and peak RSS per step, and the ratios Kx/1x (memory ~1 = streaming) and step/baseline.

    .venv/bin/python scripts/bench/rebalance_stream.py [--docs 20000] [--factor 4]
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
from scripts.devtools.measure import peak_rss_mb  # noqa: E402
from scripts.devtools.shared import shared_data  # noqa: E402

LID_DEV = shared_data("lid-dev")
LANGUAGES = {"deu": "deu_Latn", "fra": "fra_Latn", "tur": "tur_Latn"}


def make_corpus(out: Path, n_docs: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    per_language = n_docs // len(LANGUAGES)
    for iso, language in LANGUAGES.items():
        lines = (LID_DEV / f"{iso}.txt").read_text(encoding="utf-8").splitlines()
        folder = out / "data" / language
        folder.mkdir(parents=True, exist_ok=True)
        writer = None
        for start in range(0, per_language, 5000):
            n = min(5000, per_language - start)
            picks = rng.integers(0, len(lines) - 4, n)
            table = pa.table(
                {
                    "id": [f"{language}/{start + i}" for i in range(n)],
                    "text": ["\n".join(lines[p : p + 4]) for p in picks],
                    "language": [language] * n,
                    "minhash_cluster_size": rng.zipf(2.0, n).astype("int64"),
                    "quality_score": rng.uniform(0, 1, n),
                }
            )
            writer = writer or pq.ParquetWriter(folder / "00000.parquet", table.schema)
            writer.write_table(table)
        writer.close()


def measure(step: str, out: Path) -> dict:
    """Run one step in this process (called in a child) and return seconds and peak RSS."""
    import pyarrow.parquet as pq

    from curator.core.writer import ParquetDocWriter
    from curator.stages.rebalance.params import RebalanceParams
    from curator.stages.rebalance.scan import parquet_files
    from curator.stages.rebalance.steps import DocumentFolderReader, RebalancePlanner, RepetitionAssigner

    data, stage = out / "data", out / "stages" / "rebalance"
    params = RebalanceParams.model_validate(
        {"rehydration": {"quality_scaling": True}, "mixing": {"mode": "temperature", "alpha": 0.3}}
    )
    start = time.perf_counter()
    if step == "baseline":
        for path in parquet_files(data):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=4096, columns=["text"]):
                batch.column("text")
    elif step == "plan":
        list(RebalancePlanner(params, data, stage / "plan.json").run(None, 0, 1))
    else:
        docs = DocumentFolderReader(data).run(None, 0, 1)
        docs = RepetitionAssigner(stage / "plan.json", stage / "counts").run(docs, 0, 1)
        list(ParquetDocWriter(out / "mix", filename="{language}/{rank:05d}.parquet").run(docs, 0, 1))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def child(step: str, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", step, "--out", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--factor", type=int, default=4)
    parser.add_argument("--child")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.out)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (1, args.factor):
            out = Path(tmp) / f"x{scale}"
            make_corpus(out, args.docs * scale)
            results[scale] = {step: child(step, out) for step in ("baseline", "plan", "write")}
    small, large = results[1], results[args.factor]
    print(f"{'step':10} {'docs':>8} {'seconds':>8} {'peak MB':>8}   {'vs baseline':>11}")
    for scale, steps in results.items():
        for step, r in steps.items():
            ratio = r["seconds"] / steps["baseline"]["seconds"]
            print(
                f"{step:10} {args.docs * scale:8d} {r['seconds']:8.2f} {r['peak_rss_mb']:8.0f}   {ratio:10.1f}x"
            )
    for step in ("plan", "write"):
        print(
            f"{step}: peak memory {args.factor}x corpus / 1x corpus = "
            f"{large[step]['peak_rss_mb'] / small[step]['peak_rss_mb']:.2f}; "
            f"time ratio = {large[step]['seconds'] / small[step]['seconds']:.2f}"
        )


if __name__ == "__main__":
    main()
