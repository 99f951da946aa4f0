"""Cost of the extractor step around the engine: curator's in-process step (SIGALRM time limit)
vs datatrove's extractor (each page piped to a sandbox process), on the same real pages.

For each engine, three ways take turns page by page in one process (so machine load hits them
alike): the bare engine function, curator's HtmlExtractor, and datatrove's BaseExtractor sandbox
running the same function (datatrove's own Trafilatura class for trafilatura). Prints pages/s and
each step's overhead over the bare engine. The engine `none` (returns the first 2,000 characters)
isolates the step's own cost per page: timer and counting in-process, vs the pipe round trip of
every page to datatrove's sandbox process.

    .venv/bin/python scripts/bench/extract_step.py --pages 300 --engines none,trafilatura,hybrid
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.extractors.base import BaseExtractor

from curator.stages.extract.engines import ENGINES, forget_seen_pages
from curator.stages.extract.step import HtmlExtractor

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.extract_gold import load_trafilatura_pages  # noqa: E402
from scripts.devtools.shared import shared_data  # noqa: E402

DEFAULT_GOLD = shared_data("html-gold")


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


def _no_extraction():
    return lambda html: html[:2000]


ENGINES.setdefault("none", _no_extraction)  # registered before the sandbox forks: it sees it too


def bare(engine: str, docs: list[Document]) -> Iterator[Document]:
    extract = ENGINES[engine]()
    for doc in docs:
        yield Document(text=extract(doc.text), id=doc.id)


def copies(docs: list[Document]) -> Iterator[Document]:
    for doc in docs:
        yield Document(text=doc.text, id=doc.id)


def race(runs: dict[str, Iterator[Document]]) -> dict[str, list[float]]:
    """Advance every run by one output document in turn, starting with a different run each
    round (no run always follows the sandbox's process switch); the seconds of each step per run."""
    elapsed: dict[str, list[float]] = {name: [] for name in runs}
    active = dict(runs)
    round_number = 0
    while active:
        names = list(active)
        shift = round_number % len(names)
        round_number += 1
        for name in names[shift:] + names[:shift]:
            forget_seen_pages()  # the same page again must not look like a duplicate to trafilatura
            start = time.perf_counter()
            try:
                next(active[name])
            except StopIteration:
                del active[name]
            elapsed[name].append(time.perf_counter() - start)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--engines", default="none,trafilatura,hybrid,resiliparse")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-page time limit of both steps")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per engine; each page's fastest run counts (filters out load spikes)",
    )
    args = parser.parse_args()

    pages = load_trafilatura_pages(args.gold)[: args.pages]
    docs = [Document(text=p.html, id=str(i)) for i, p in enumerate(pages)]
    print(
        f"{len(docs)} html-gold pages, {sum(len(d.text) for d in docs) / len(docs) / 1000:.0f} k chars each"
    )
    print(f"{'engine':<12} {'way':<36} {'pages/s':>8} {'docs out':>8} {'overhead':>9} {'ms/page':>8}")
    for engine in args.engines.split(","):
        best: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            sandboxed = (
                Trafilatura(favour_precision=True, timeout=args.timeout, deduplicate=True)
                if engine == "trafilatura"
                else SandboxedEngine(engine, args.timeout)
            )
            runs = {
                "bare engine function": bare(engine, docs),
                "curator HtmlExtractor (SIGALRM)": HtmlExtractor(engine, timeout=args.timeout).run(
                    copies(docs)
                ),
                f"datatrove {type(sandboxed).__name__} (sandbox)": sandboxed.run(copies(docs)),
            }
            for way, steps in race(runs).items():
                best[way] = (
                    [min(a, b) for a, b in zip(best[way], steps, strict=True)] if way in best else steps
                )
        base_seconds = sum(best["bare engine function"])
        for way, steps in best.items():
            seconds = sum(steps)
            overhead = f"{seconds / base_seconds - 1:+.1%}"
            extra_ms = (seconds - base_seconds) / len(docs) * 1000
            print(
                f"{engine:<12} {way:<36} {len(docs) / seconds:>8.1f} {len(steps) - 1:>8} {overhead:>9} "
                f"{extra_ms:>+8.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
