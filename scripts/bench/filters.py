"""Fused heuristic filters vs datatrove's chain on the same real documents, and keep rates of clean text.

    .venv/bin/python scripts/bench/filters.py [--profiles DIR] [--no-keep-rates]

1. Speed: the extracted real pages (tests/data/filters/real_pages.parquet, made from
   ../shared/data/bench/real-pages.warc.gz) and the scrapinghub gold articles, through
   GopherRepetition + FineWebQuality + GopherQuality (datatrove, same thresholds) and through
   curator's FusedHeuristicFilter, document by document alternately (two passes). Tokenizer models
   are loaded before timing; the fused filter's chunk cache starts empty (first pass) and is then
   warm (second pass). CPU seconds of this process (the machine is shared), wall seconds beside;
   each ratio compares the two in the same pass. Also checks both take the same decisions, and
   prints the share of the documents whose tokenizer sees the whole text (Korean's Kiwi, Japanese,
   Chinese...): nothing is cached for them, so they bound the warm ratio.
   `--profiles` with scripts/bench/common.py's write_reference_profiles folder gives the e2e
   bench's setting (datatrove's default thresholds and English tokenizer for every document).
2. Keep rates: every lid-dev language's sentences grouped into documents (clean web prose), through
   the fused filter with the profiles; a language whose clean text is removed needs calibration.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.measure import cpu_seconds  # noqa: E402
from scripts.devtools.shared import PROJECT_ROOT, shared_data  # noqa: E402

SHARED = shared_data()
REAL_PAGES = PROJECT_ROOT / "tests" / "data" / "filters" / "real_pages.parquet"


class Clock:
    """CPU and wall seconds spent in one kind of call, summed over calls."""

    def __init__(self):
        self.cpu = self.wall = 0.0
        self.per_call: list[float] = []

    def __call__(self, run, *args):
        cpu, wall = cpu_seconds(children=False), time.perf_counter()
        result = run(*args)
        self.per_call.append(cpu_seconds(children=False) - cpu)
        self.cpu += self.per_call[-1]
        self.wall += time.perf_counter() - wall
        return result


def alternate(first, second, docs) -> tuple[list, list, Clock, Clock]:
    """Each document through `first` then `second`, each timed: load from other users of the machine
    hits both alike (one pass of each after the other would not compare the same conditions)."""
    clocks, results = (Clock(), Clock()), ([], [])
    for doc in docs:
        for run, clock, out in zip((first, second), clocks, results, strict=True):
            out.append(clock(run, doc))
    return *results, *clocks


def speed(profiles: str | None) -> None:
    from datatrove.data import Document

    from curator.stages.filters.fused import FusedHeuristicFilter
    from curator.stages.filters.reference import chain_first_failure, datatrove_chain
    from scripts.devtools.filter_samples import gold_articles, real_pages

    pages = real_pages(REAL_PAGES)
    docs = pages + gold_articles(SHARED / "html-gold" / "scrapinghub", languages_by_url(pages))
    fused = FusedHeuristicFilter(profiles)
    chains = {}
    for language in sorted({d.metadata["language"] for d in docs}):  # load every model before timing
        rules = fused.rules_for(language)
        chains[language] = datatrove_chain(rules.profile)
        warm_up = Document(text="Warm up the tokenizer.", id="warm-up", metadata={"language": language})
        chain_first_failure(chains[language], warm_up)
        rules.splitter.words(warm_up.text)

    def datatrove(doc):
        return chain_first_failure(chains[doc.metadata["language"]], doc)

    def curator(doc):
        return fused.rules_for(doc.metadata["language"]).first_failure(doc.text)

    theirs, ours, dt_cold, cold = alternate(datatrove, curator, docs)  # the chunk cache fills up
    _, _, dt_warm, warm = alternate(datatrove, curator, docs)
    n = len(docs)
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(
        f"{n} documents ({sum(len(d.text) for d in docs) / 1e6:.1f} M chars), "
        f"{Counter(d.metadata['language'] for d in docs).most_common(3)}..."
    )
    for name, dt, clock in (("fused, 1st pass", dt_cold, cold), ("fused, warm    ", dt_warm, warm)):
        print(
            f"{name} : {n / clock.cpu:7.1f} docs/s CPU ({n / clock.wall:6.1f} wall); datatrove chain "
            f"{n / dt.cpu:5.1f} ({n / dt.wall:5.1f} wall)   ratio {dt.cpu / clock.cpu:.2f}x"
        )
    print(f"same decision and first reason: {agree}/{n}; kept {sum(r is None for r in ours)}")
    # tokenizers that see the whole text (Kiwi, Sudachi, jieba...) cost the same per call in both;
    # datatrove calls them once per filter, the fused filter once
    whole_text = [
        i for i, d in enumerate(docs) if not fused.rules_for(d.metadata["language"]).splitter.caches_chunks
    ]
    share = sum(warm.per_call[i] for i in whole_text)
    print(
        f"whole-text tokenizers: {len(whole_text)} documents, {share / warm.cpu:.0%} of the warm pass "
        f"(datatrove: {sum(dt_warm.per_call[i] for i in whole_text) / dt_warm.cpu:.0%} of its pass)"
    )


def languages_by_url(pages) -> dict[str, str]:
    return {d.metadata["url"]: d.metadata["language"] for d in pages}


def keep_rates(profiles: str | None) -> None:
    from curator.stages.filters.fused import FusedHeuristicFilter
    from scripts.devtools.filter_samples import gold_articles, real_pages, sentence_docs

    fused = FusedHeuristicFilter(profiles)
    articles = gold_articles(SHARED / "html-gold" / "scrapinghub", languages_by_url(real_pages(REAL_PAGES)))
    docs = sentence_docs(SHARED / "lid-dev") + articles
    kept, total, reasons = Counter(), Counter(), defaultdict(Counter)
    for doc in docs:
        source = doc.metadata["language"]
        source = f"scrapinghub {source}" if doc.id.startswith("scrapinghub/") else source
        reason = fused.filter(doc)
        total[source] += 1
        if reason is True:
            kept[source] += 1
        else:
            reasons[source][reason[1]] += 1
    print(f"\nkeep rate of clean text ({len(docs)} documents), lowest first:")
    for source in sorted(total, key=lambda s: kept[s] / total[s]):
        top = ", ".join(f"{r} {c}" for r, c in reasons[source].most_common(2))
        print(
            f"  {source:18s} {kept[source]:3d}/{total[source]:3d} {kept[source] / total[source]:6.1%}  {top}"
        )
    low = [s for s in total if kept[s] / total[s] < 0.95]
    print(f"{len(total) - len(low)}/{len(total)} sources keep >= 95% of their clean documents")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", help="lang_profiles directory (default: the bundled one)")
    parser.add_argument("--no-keep-rates", action="store_true", help="only the speed comparison")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"{SHARED} not found: this benchmark reads ../shared/data beside the project", file=sys.stderr)
        return 2
    speed(args.profiles)
    if not args.no_keep_rates:
        keep_rates(args.profiles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
