"""Cost of the extractor step around the engine: curator's in-process step (SIGALRM time limit)
vs datatrove's extractor (each page piped to a sandbox process), on the same real pages.

For each engine, three ways take turns page by page in one process (so machine load hits them
alike): the bare engine function, curator's HtmlExtractor, and datatrove's BaseExtractor sandbox
running the same function (datatrove's own Trafilatura class for trafilatura). Prints pages/s and
each step's overhead over the bare engine.

    .venv/bin/python scripts/bench/extract_step.py --pages 300 --engines trafilatura,hybrid
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.extractors.base import BaseExtractor

from curator.extract.engines import ENGINES
from curator.extract.gold import load_trafilatura_pages
from curator.steps.extractor import HtmlExtractor

DEFAULT_GOLD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "html-gold"


class SandboxedEngine(BaseExtractor):
    """datatrove's sandboxed extractor running one of curator's engines."""

    name = "sandboxed curator engine"

    def __init__(self, engine: str, timeout: float):
        super().__init__(timeout)
        self.engine = engine
        self._extract = None

    def extract(self, text: str) -> str:
        if self._extract is None:  # built in the sandbox process
            self._extract = ENGINES[self.engine]()
        return self._extract(text)


def bare(engine: str, docs: list[Document]) -> Iterator[Document]:
    extract = ENGINES[engine]()
    for doc in docs:
        yield Document(text=extract(doc.text), id=doc.id)


def copies(docs: list[Document]) -> Iterator[Document]:
    for doc in docs:
        yield Document(text=doc.text, id=doc.id)


def race(runs: dict[str, Iterator[Document]]) -> dict[str, tuple[float, int]]:
    """Advance every run by one output document in turn, starting with a different run each
    round (no run always follows the sandbox's process switch); (seconds, documents out) per run."""
    elapsed = dict.fromkeys(runs, 0.0)
    produced = dict.fromkeys(runs, 0)
    active = dict(runs)
    round_number = 0
    while active:
        names = list(active)
        shift = round_number % len(names)
        round_number += 1
        for name in names[shift:] + names[:shift]:
            run = active[name]
            start = time.perf_counter()
            try:
                next(run)
                produced[name] += 1
            except StopIteration:
                del active[name]
            elapsed[name] += time.perf_counter() - start
    return {name: (elapsed[name], produced[name]) for name in runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--engines", default="trafilatura,hybrid")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-page time limit of both steps")
    args = parser.parse_args()

    pages = load_trafilatura_pages(args.gold)[: args.pages]
    docs = [Document(text=p.html, id=str(i)) for i, p in enumerate(pages)]
    print(f"{len(docs)} html-gold pages, {sum(len(d.text) for d in docs) / len(docs) / 1000:.0f} k chars each")
    print(f"{'engine':<12} {'way':<32} {'pages/s':>8} {'docs out':>8} {'overhead':>9}")
    for engine in args.engines.split(","):
        sandboxed = (Trafilatura(favour_precision=True, timeout=args.timeout, deduplicate=True)
                     if engine == "trafilatura" else SandboxedEngine(engine, args.timeout))
        runs = {
            "bare engine function": bare(engine, docs),
            "curator HtmlExtractor (SIGALRM)": HtmlExtractor(engine, timeout=args.timeout).run(copies(docs)),
            f"datatrove {type(sandboxed).__name__} (sandbox)": sandboxed.run(copies(docs)),
        }
        results = race(runs)
        base_seconds = results["bare engine function"][0]
        for way, (seconds, out) in results.items():
            overhead = f"{seconds / base_seconds - 1:+.1%}"
            print(f"{engine:<12} {way:<32} {len(docs) / seconds:>8.1f} {out:>8} {overhead:>9}", flush=True)


if __name__ == "__main__":
    main()
