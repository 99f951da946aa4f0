"""Extraction quality and speed of curator's engines on ../shared/data/html-gold, one process.

Quality: trafilatura's 990 eval pages scored by gold snippets (as trafilatura's own evaluation),
scrapinghub's 181 articles scored by word tokens against the gold article, and lid-dev's 450
generated pages in 75 languages (their sentences must be kept, their English menus dropped). Each set is reported
whole and split in two fixed halves (`tune`: what engine thresholds were chosen on, `holdout`:
never looked at while tuning). Speed: pages per second of the extract calls alone (HTML already
decoded), engines taking turns page by page in this one process, so their ratios hold under load.

    .venv/bin/python scripts/eval/extraction.py                       # all engines, both sets
    .venv/bin/python scripts/eval/extraction.py --engines fast --limit 200
    .venv/bin/python scripts/eval/extraction.py --fidelity    # per-script agreement with trafilatura

`--fidelity`: on real pages of every script in ../shared/data (the bench's html-gold pages, the
Common Crawl excerpt, the EUC-JP ClueWeb09 pages) and, apart, lid-dev's generated pages in 75
languages: per page, the share of trafilatura's character 5-grams (whitespace collapsed) that an
engine's text also has; per script (the most frequent script of trafilatura's letters; pages with
kana are "Japanese"), the median, the lowest, and how many pages keep under half; then the worst
non-Latin pages. trafilatura is the reference because it reads ruby, one-letter nodes and invisible
marks right on these pages (docs/extraction.md), not because its page boundaries are.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from curator.stages.extract.engines import ENGINES, forget_seen_pages

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.extract_gold import (  # noqa: E402
    GoldPage,
    Score,
    load_lingua_pages,
    load_scrapinghub_pages,
    load_trafilatura_pages,
    score_page,
)
from scripts.devtools.shared import shared_data  # noqa: E402

DEFAULT_GOLD = shared_data("html-gold")
# variants measured besides each engine's defaults: name -> (engine, options)
VARIANTS = {
    "trafilatura-fast": ("trafilatura", {"fast": True}),
    # stock trafilatura (no curator.core.compat.trafilatura_speedups): same output, stock speed
    "trafilatura-stock": ("trafilatura", {"speedups": False}),
}


def engine_spec(name: str) -> tuple[str, dict]:
    if name in VARIANTS:
        return VARIANTS[name]
    if name not in ENGINES:
        raise SystemExit(f"unknown engine {name!r}; choose from {sorted([*ENGINES, *VARIANTS])}")
    return name, {}


def evaluate(names: list[str], pages: list[GoldPage]) -> dict[str, tuple[dict[str, Score], float, list[str]]]:
    """Per engine: scores per split ('all', 'tune', 'holdout'), pages/s, and the outputs.

    Engines take turns page by page, in a rotating order, so a change in machine load (or a
    cache emptied by the engine before) hits them all alike; each
    starts every page with trafilatura's duplicate cache empty (it would otherwise drop text that
    the engines before it extracted from the same page).
    """
    extractors = {}
    for name in names:
        engine, options = engine_spec(name)
        extractors[name] = ENGINES[engine](**options)
        extractors[name](pages[0].html)  # warm-up: lazy imports and caches are not page time
    outputs: dict[str, list[str]] = {name: [] for name in names}
    elapsed = dict.fromkeys(names, 0.0)
    order = list(extractors.items())
    for i, page in enumerate(pages):
        shift = i % len(order)  # rotate who goes first: no engine always runs right after trafilatura
        for name, extract in order[shift:] + order[:shift]:
            forget_seen_pages()
            start = time.perf_counter()
            text = extract(page.html)
            elapsed[name] += time.perf_counter() - start
            outputs[name].append(text)
    results = {}
    for name in names:
        scores = {"all": Score(), "tune": Score(), "holdout": Score()}
        for page, text in zip(pages, outputs[name], strict=True):
            page_score = score_page(text, page)
            scores["all"].add(page_score)
            scores[page.split].add(page_score)
        results[name] = (scores, len(pages) / elapsed[name], outputs[name])
    return results


NGRAM = 5
MIN_REFERENCE_CHARS = 100  # pages where trafilatura keeps less have no text to compare
_SPACES = re.compile(r"\s+")
WARC_SAMPLES = ("warc/cc-main-2020-34-excerpt.warc.gz", "warc/edge-cases/resiliparse-clueweb09-quirk.warc.gz")


@functools.cache
def char_script(char: str) -> str:
    name = unicodedata.name(char, "")
    script = name.split(" ", 1)[0] if name else "OTHER"
    return {"CJK": "Han", "HIRAGANA": "Kana", "KATAKANA": "Kana", "HALFWIDTH": "Kana"}.get(
        script, script.title()
    )


def page_script(text: str) -> str:
    """The most frequent script of the text's letters; a page with ≥ 5% kana is Japanese."""
    counts = Counter(char_script(c) for c in text if c.isalpha())
    if not counts:
        return "none"
    letters = sum(counts.values())
    if counts["Kana"] >= 0.05 * letters:
        return "Japanese"
    return counts.most_common(1)[0][0]


def ngrams(text: str) -> Counter[str]:
    text = _SPACES.sub(" ", text).strip()
    return Counter(text[i : i + NGRAM] for i in range(len(text) - NGRAM + 1))


def agreement(reference: Counter[str], text: str) -> float:
    """Share of the reference's n-grams (as a multiset) that the text has too."""
    return sum((reference & ngrams(text)).values()) / sum(reference.values())


def fidelity_pages(gold: Path) -> list[tuple[str, str, str]]:
    """(group, name, html) of every page: real ones first, then the generated lingua pages."""
    from curator.core.readers import WarcDocReader

    shared = gold.parent
    pages = [("real", p.name, p.html) for p in load_trafilatura_pages(gold) + load_scrapinghub_pages(gold)]
    for sample in WARC_SAMPLES:
        for doc in WarcDocReader([str(shared / sample)]).run():
            pages.append(("real", f"{Path(sample).name}: {doc.metadata.get('url', doc.id)}", doc.text))
    pages += [("generated", p.name, p.html) for p in load_lingua_pages(shared / "lid-dev")]
    return pages


def fidelity(names: list[str], gold: Path, worst: int, json_path: Path | None) -> None:
    """Per script: how much of trafilatura's text each engine keeps (see the module docstring)."""
    names = [n for n in names if n != "trafilatura"]
    reference_engine = ENGINES["trafilatura"]()
    extractors = {
        name: ENGINES[engine](**options) for name in names for engine, options in [engine_spec(name)]
    }
    shares: dict[tuple[str, str], dict[str, list[tuple[float, str]]]] = defaultdict(lambda: defaultdict(list))
    for group, name, html in fidelity_pages(gold):
        forget_seen_pages()
        reference_text = reference_engine(html)
        if len(reference_text) < MIN_REFERENCE_CHARS:
            continue
        reference = ngrams(reference_text)
        script = page_script(reference_text)
        for engine, extract in extractors.items():
            forget_seen_pages()
            shares[(group, script)][engine].append((agreement(reference, extract(html)), name))
    header = f"{'pages':<10} {'script':<12} {'n':>4} " + " ".join(f"{e + ' med/min/<0.5':>26}" for e in names)
    print(header)
    print("-" * len(header))
    rows = []
    for (group, script), by_engine in sorted(
        shares.items(), key=lambda kv: (kv[0][0] != "real", -len(next(iter(kv[1].values()))), kv[0][1])
    ):
        n = len(next(iter(by_engine.values())))
        cells = []
        for engine in names:
            values = [v for v, _ in by_engine[engine]]
            median, low, under = statistics.median(values), min(values), sum(v < 0.5 for v in values)
            cells.append(f"{median:>12.3f} {low:>6.3f} {under:>6}")
            rows.append(
                {
                    "group": group,
                    "script": script,
                    "pages": n,
                    "engine": engine,
                    "median": round(median, 3),
                    "min": round(low, 3),
                    "under_half": under,
                }
            )
        print(f"{group:<10} {script:<12} {n:>4} " + " ".join(cells), flush=True)
    print(f"\nworst real non-Latin pages (share of trafilatura's {NGRAM}-grams kept):")
    for engine in names:
        scored = [
            (value, script, page)
            for (group, script), by_engine in shares.items()
            if group == "real" and script != "Latin"
            for value, page in by_engine[engine]
        ]
        for value, script, page in sorted(scored)[:worst]:
            print(f"  {engine:<12} {value:.3f} {script:<10} {page}")
    if json_path:
        json_path.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="html-gold folder")
    parser.add_argument(
        "--engines",
        default="trafilatura,trafilatura-fast,resiliparse,fast,hybrid",
        help="comma-separated engine names",
    )
    parser.add_argument(
        "--sets",
        default="trafilatura,scrapinghub,lingua",
        help="comma-separated: trafilatura,scrapinghub (html-gold), lingua (lid-dev, 75 languages)",
    )
    parser.add_argument("--limit", type=int, default=0, help="first N pages of each set (0: all)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--dump", type=Path, help="write each engine's outputs (JSONL per engine/set) here")
    parser.add_argument(
        "--fidelity", action="store_true", help="per-script agreement of each engine with trafilatura instead"
    )
    parser.add_argument("--worst", type=int, default=5, help="--fidelity: worst pages listed per engine")
    args = parser.parse_args()
    if args.fidelity:
        fidelity(args.engines.split(","), args.gold, args.worst, args.json)
        return

    loaders = {
        "trafilatura": lambda: load_trafilatura_pages(args.gold),
        "scrapinghub": lambda: load_scrapinghub_pages(args.gold),
        "lingua": lambda: load_lingua_pages(args.gold.parent / "lid-dev"),
    }
    results = []
    header = (
        f"{'set':<12} {'engine':<17} {'split':<8} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'pages/s':>8}"
        f" {'×trafil':>8} {'×resil':>7}"
    )
    print(header)
    print("-" * len(header))
    for set_name in args.sets.split(","):
        pages = loaders[set_name]()
        if args.limit:
            pages = pages[: args.limit]
        counts = {"all": len(pages), "tune": sum(p.split == "tune" for p in pages)}
        counts["holdout"] = counts["all"] - counts["tune"]
        evaluated = evaluate(args.engines.split(","), pages)
        rates = {name: rate for name, (_, rate, _) in evaluated.items()}
        for name, (scores, rate, outputs) in evaluated.items():
            # speed relative to engines of the same run: what holds when the machine is busy
            vs_trafilatura = rate / rates["trafilatura"] if "trafilatura" in rates else float("nan")
            vs_resiliparse = rate / rates["resiliparse"] if "resiliparse" in rates else float("nan")
            for split, score in scores.items():
                row = {
                    "set": set_name,
                    "engine": name,
                    "split": split,
                    "pages": counts[split],
                    "precision": round(score.precision, 3),
                    "recall": round(score.recall, 3),
                    "f1": round(score.f1, 3),
                    "pages_per_s": round(rate),
                    "speed_vs_trafilatura": round(vs_trafilatura, 2),
                    "speed_vs_resiliparse": round(vs_resiliparse, 2),
                }
                results.append(row)
                print(
                    f"{set_name:<12} {name:<17} {split:<8} {counts[split]:>5} {score.precision:>6.3f} "
                    f"{score.recall:>6.3f} {score.f1:>6.3f} {rate:>8.0f} {vs_trafilatura:>8.2f} {vs_resiliparse:>7.2f}",
                    flush=True,
                )
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                with open(args.dump / f"{set_name}.{name}.jsonl", "w", encoding="utf-8") as f:
                    for page, text in zip(pages, outputs, strict=True):
                        f.write(json.dumps({"file": page.name, "text": text}, ensure_ascii=False) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
