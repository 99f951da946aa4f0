"""Extraction quality and speed of curator's engines on ../shared/data/html-gold, one process.

Quality: trafilatura's 990 eval pages scored by gold snippets (as trafilatura's own evaluation),
scrapinghub's 181 articles scored by word tokens against the gold article, and lid-dev's 450
generated pages in 75 languages (their sentences must be kept, their English menus dropped). Each set is reported
whole and split in two fixed halves (`tune`: what engine thresholds were chosen on, `holdout`:
never looked at while tuning). Speed: pages per second of the extract calls alone (HTML already
decoded), engines taking turns page by page in this one process, so their ratios hold under load.

    .venv/bin/python scripts/eval/extraction.py                       # all engines, both sets
    .venv/bin/python scripts/eval/extraction.py --engines fast --limit 200
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from curator.stages.extract.engines import ENGINES, forget_seen_pages
from curator.stages.extract.gold import (
    GoldPage,
    Score,
    load_lingua_pages,
    load_scrapinghub_pages,
    load_trafilatura_pages,
    score_page,
)

DEFAULT_GOLD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "html-gold"
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
    args = parser.parse_args()

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
