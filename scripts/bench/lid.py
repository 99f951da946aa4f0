#!/usr/bin/env python
"""CPU and wall time of the lid step per page, on the bench file's extracted text.

The 1,171 bench pages (../shared/data/bench/real-pages.warc.gz) are extracted once with the
extract block's default engine and cached as JSON lines (extraction is not what is measured);
then the lid step labels every page, `--rounds` times, and the best round is printed. Run it with
two source trees to compare them on the same cached text:

    PYTHONPATH=../other-checkout/src .venv/bin/python scripts/bench/lid.py
    PYTHONPATH=src .venv/bin/python scripts/bench/lid.py [--arbiter MODEL_DIR] [--all-voters]

It also prints how many pages, and how many of the ensemble's engine calls, took the cheap path.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from common import require_input  # noqa: I001  (scripts/bench is the working directory's sibling)
from datatrove.data import Document

CACHE = Path(os.environ.get("CURATOR_BENCH_CACHE", Path(tempfile.gettempdir()) / "curator-bench-lid"))


def extracted_pages() -> list[dict]:
    """[{id, text}] of the bench pages, extracted once and cached."""
    path = CACHE / "bench-extracted.jsonl"
    if not path.is_file():
        from curator.core.readers import WarcDocReader
        from curator.stages.extract.engines import ENGINES

        extract = ENGINES["trafilatura"]()
        rows = []
        for doc in WarcDocReader([str(require_input())]).run():
            text = extract(doc.text)
            if text.strip():
                rows.append({"id": doc.id, "text": text})
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
        tmp.replace(path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--arbiter", help="HeLI model folder for the lid step's arbiter (if supported)")
    ap.add_argument(
        "--all-voters",
        action="store_true",
        help="ask every voter of the ensemble for every text (no cheap path: EnsembleEngine.FIRST_VOTERS)",
    )
    args = ap.parse_args()

    from curator.stages.lid.step import LanguageIdFilter

    pages = extracted_pages()
    kwargs = {"arbiter": args.arbiter} if args.arbiter else {}
    step = LanguageIdFilter(**kwargs)
    if args.all_voters:
        step.engine.early_exit = False
    step.label(Document(text="warm up: load the models before timing", id="warm"))
    best_cpu = best_wall = float("inf")
    for _ in range(args.rounds):
        docs = [Document(text=p["text"], id=p["id"]) for p in pages]
        cpu, wall = time.process_time(), time.perf_counter()
        for doc in docs:
            step.label(doc)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    chars = sum(len(p["text"]) for p in pages)
    engine = step.engine
    if hasattr(engine, "early_answers"):
        print(f"ensemble calls answered by its first voters alone: {engine.early_answers} of {engine.calls}")
    print(
        f"{len(pages)} pages ({chars / len(pages):.0f} chars each): "
        f"CPU {1000 * best_cpu / len(pages):.3f} ms/page, wall {1000 * best_wall / len(pages):.3f} ms/page "
        f"(best of {args.rounds})"
    )


if __name__ == "__main__":
    main()
