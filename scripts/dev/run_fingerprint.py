"""Fingerprint of a finished run's output: every document (id, text hash, columns) and every stats/*.json.

Used to prove a refactor changed nothing: run the same config before and after, then compare.

    python scripts/dev/run_fingerprint.py runs/demo > before.json
    ...change...
    python scripts/dev/run_fingerprint.py runs/demo > after.json && diff before.json after.json

Timing and memory fields (wall seconds, peak RSS, run ids, host names) are dropped: they differ run to run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

# keys whose values depend on the machine or the moment, not on the data
VOLATILE = ("time", "seconds", "peak_", "rss", "started", "finished", "host", "pid", "duration", "elapsed")


def _volatile(key: str) -> bool:
    return any(v in key for v in VOLATILE)


def _scrub(obj):
    if isinstance(obj, dict):
        return {k: _scrub(v) for k, v in sorted(obj.items()) if not _volatile(k)}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 9)
    return obj


def _rows(path: Path) -> list[dict]:
    rows = []
    for row in pq.read_table(path).to_pylist():
        text = row.pop("text", None)
        row["text_sha1"] = hashlib.sha1((text or "").encode()).hexdigest()
        rows.append(_scrub(row))
    return rows


def fingerprint(output: Path) -> dict:
    docs = {}
    for folder in ("data", "mix", "removed"):
        base = output / folder
        if not base.is_dir():
            continue
        rows = []
        for path in sorted(base.rglob("*.parquet")):
            rows.extend(_rows(path))
        rows.sort(key=lambda r: (str(r.get("id")), json.dumps(r, sort_keys=True, default=str)))
        docs[folder] = rows
    stats = {p.name: _scrub(json.loads(p.read_text())) for p in sorted((output / "stats").glob("*.json"))}
    return {"documents": docs, "stats": stats}


if __name__ == "__main__":
    json.dump(fingerprint(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True, default=str)
    print()
