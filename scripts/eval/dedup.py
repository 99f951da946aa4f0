#!/usr/bin/env python
"""Dedup quality: precision and recall of the dedup stage on near-duplicate pairs of real pages.

    .venv/bin/python scripts/eval/dedup.py [--pages 400] [--keep DIR]

Pages: the 181 scrapinghub gold article bodies and the trafilatura eval pages of
../shared/data/html-gold (main text by resiliparse, language by the bundled lid.176 model; pages
of fewer than 100 words are skipped). For each page, near-duplicates built as they occur on the web:
  boilerplate   different header/footer lines (navigation, cookie notice, share links)
  reordered     two paragraphs swapped, one moved
  edited        2% of the words replaced
  appended      a paragraph of another page appended
  combined      boilerplate + edited + appended
and distinct pairs: random pairs of different pages (same language), half of them given the same
boilerplate (hard negatives). All documents go through `curator run` with only the dedup stage
(defaults: 5-grams, 14x8); a pair is found when both end up in one cluster.
Ground truth is the pair's word-5-gram Jaccard (the language's tokenizer, as the stage uses):
recall is measured on variant pairs with Jaccard >= 0.8, precision on everything found among
those and the distinct pairs; variant pairs below 0.8 are reported per Jaccard range.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.shared import lid176_path, shared_data  # noqa: E402

HTML_GOLD = shared_data("html-gold")

BOILERPLATE = [
    ["Home | News | Sport | Weather | Contact", "© 2024 All rights reserved. Privacy policy | Terms of use"],
    ["Skip to main content", "Menu", "Share on Facebook Share on Twitter Email", "Related articles"],
    [
        "We use cookies to improve your experience. Accept all cookies Manage settings",
        "Subscribe to our newsletter",
        "Follow us on Instagram",
    ],
    ["Startseite > Aktuelles", "Impressum | Datenschutz | Kontakt", "Diesen Artikel teilen"],
    ["Accueil | Actualités | Contact", "Mentions légales | Politique de confidentialité"],
    ["Login | Register", "Advertisement", "Read more: the latest stories from our newsroom", "Back to top"],
]


def lid_model():
    import fasttext

    return fasttext.load_model(str(lid176_path()))


def language_labels() -> dict[str, str]:
    """lid.176 labels (ISO 639-1) -> curator labels (ISO 639-3 + script), from lid-dev/languages.tsv."""
    with open(shared_data("lid-dev", "languages.tsv"), encoding="utf-8") as f:
        return {r["iso639_1"]: f"{r['iso639_3']}_{r['script']}" for r in csv.DictReader(f, delimiter="\t")}


def real_pages(limit: int) -> list[dict]:
    from resiliparse.extract.html2text import extract_plain_text

    pages = []
    truth = json.loads((HTML_GOLD / "scrapinghub" / "ground-truth.json").read_text())
    pages += [{"text": v["articleBody"], "language": "eng_Latn"} for v in truth.values()]
    model, labels = lid_model(), language_labels()
    for line in (HTML_GOLD / "trafilatura" / "gold.jsonl").read_text().splitlines():
        html = gzip.decompress((HTML_GOLD / json.loads(line)["file"]).read_bytes()).decode("utf-8", "replace")
        text = extract_plain_text(html, main_content=True)
        (label,), _ = model.predict(" ".join(text.split())[:3000])
        language = labels.get(label.removeprefix("__label__"))
        if language:
            pages.append({"text": text, "language": language})
    pages = [p for p in pages if len(p["text"].split()) >= 100]
    random.Random(0).shuffle(pages)
    return pages[:limit]


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def variants(text: str, other: str, rng: random.Random) -> dict[str, str]:
    paras = paragraphs(text)
    header, footer = rng.sample(BOILERPLATE, 2)
    boiler = "\n".join(header) + "\n" + "\n".join(paras) + "\n" + "\n".join(footer)
    reordered = list(paras)
    if len(reordered) >= 3:
        i, j = rng.sample(range(len(reordered)), 2)
        reordered[i], reordered[j] = reordered[j], reordered[i]
        reordered.insert(rng.randrange(len(reordered)), reordered.pop(rng.randrange(len(reordered))))
    words = text.split(" ")
    for i in rng.sample(range(len(words)), max(1, len(words) // 50)):
        words[i] = rng.choice(["the", "new", "update", "2024", "more", "und", "le", "this"])
    edited = " ".join(words)
    extra = rng.choice(paragraphs(other))
    appended = text + "\n" + extra
    combined = "\n".join(header) + "\n" + edited + "\n" + extra + "\n" + "\n".join(footer)
    return {
        "boilerplate": boiler,
        "reordered": "\n".join(reordered),
        "edited": edited,
        "appended": appended,
        "combined": combined,
    }


def jaccard(shinglers: dict, language: str, a: str, b: str) -> float:
    from curator.stages.dedup.shingles import Shingler

    if language not in shinglers:
        from curator.text.profiles import load_profile

        shinglers[language] = Shingler(load_profile(language).tokenizer_key)
    sa = set(shinglers[language].hashes(a).tolist())
    sb = set(shinglers[language].hashes(b).tolist())
    return len(sa & sb) / max(1, len(sa | sb))


def build(pages: list[dict]) -> tuple[list[dict], list[dict]]:
    rng = random.Random(1)
    docs, pairs, shinglers = [], [], {}
    for i, page in enumerate(pages):
        docs.append({"id": f"p{i}", "text": page["text"], "language": page["language"], "source": i})
        other = pages[rng.randrange(len(pages))]["text"]
        for kind, text in variants(page["text"], other, rng).items():
            doc_id = f"p{i}-{kind}"
            docs.append({"id": doc_id, "text": text, "language": page["language"], "source": i})
            pairs.append(
                {
                    "a": f"p{i}",
                    "b": doc_id,
                    "kind": kind,
                    "jaccard": jaccard(shinglers, page["language"], page["text"], text),
                }
            )
    by_language = defaultdict(list)
    for i, page in enumerate(pages):
        by_language[page["language"]].append(i)
    for n in range(len(pages)):
        language = pages[n]["language"]
        if len(by_language[language]) < 2:
            continue
        i, j = rng.sample(by_language[language], 2)
        if n % 2:  # hard negative: two different pages with the same boilerplate
            header, footer = rng.choice(BOILERPLATE), rng.choice(BOILERPLATE)
            texts = ["\n".join(header) + "\n" + pages[k]["text"] + "\n" + "\n".join(footer) for k in (i, j)]
            ids = [f"n{n}-a", f"n{n}-b"]
            docs += [
                {"id": d, "text": t, "language": language, "source": k}
                for d, t, k in zip(ids, texts, (i, j), strict=True)
            ]
            pairs.append(
                {
                    "a": ids[0],
                    "b": ids[1],
                    "kind": "distinct+boilerplate",
                    "jaccard": jaccard(shinglers, language, *texts),
                }
            )
        else:
            pairs.append(
                {
                    "a": f"p{i}",
                    "b": f"p{j}",
                    "kind": "distinct",
                    "jaccard": jaccard(shinglers, language, pages[i]["text"], pages[j]["text"]),
                }
            )
    return docs, pairs


def run_stage(docs: list[dict], work: Path) -> dict[str, str]:
    """Cluster of every document (its kept document's id) after `curator run` with the dedup stage."""
    import pyarrow.dataset as ds
    import yaml

    from curator.config import load_config
    from curator.exec.run import run

    (work / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    config = {
        "name": "dedup-eval",
        "input": {"format": "jsonl", "paths": ["docs.jsonl"]},
        "output": str(work / "out"),
        "executor": {"tasks": 2, "workers": 2},
        "stages": [{"dedup": {}}],
        "report": False,
    }
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    run(load_config(work / "config.yaml"))
    cluster = {
        r["id"]: r["id"]
        for r in ds.dataset(work / "out" / "data", format="parquet").to_table(["id"]).to_pylist()
    }
    removed = work / "out" / "removed" / "dedup"
    if removed.exists():
        for r in ds.dataset(removed, format="parquet").to_table(["id", "duplicate_of"]).to_pylist():
            cluster[r["id"]] = r["duplicate_of"]
    return cluster


def _counts(values: list) -> dict:
    counts: dict = defaultdict(int)
    for v in values:
        counts[v] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=400, help="real pages to build pairs from")
    parser.add_argument("--keep", help="keep the run folder here (default: a temporary one, deleted)")
    args = parser.parse_args()
    from datatrove.utils.logging import logger

    logger.remove()
    pages = real_pages(args.pages)
    docs, pairs = build(pages)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="curator-dedup-eval-"))
    try:
        cluster = run_stage(docs, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for p in pairs:
        p["found"] = cluster[p["a"]] == cluster[p["b"]]

    near = [p for p in pairs if not p["kind"].startswith("distinct")]
    distinct = [p for p in pairs if p["kind"].startswith("distinct")]
    positives = [p for p in near if p["jaccard"] >= 0.8]
    tp = sum(p["found"] for p in positives)
    fp = sum(p["found"] for p in distinct)
    languages = sorted({p["language"] for p in pages})
    print(
        f"{len(pages)} real pages ({len(languages)} languages: {', '.join(languages)}), {len(docs)} documents"
    )
    print(
        f"near-duplicate pairs with 5-gram Jaccard >= 0.8: {len(positives)}, distinct pairs: {len(distinct)}"
    )
    print(f"recall    {tp / max(1, len(positives)):.4f}  ({tp}/{len(positives)})")
    print(f"precision {tp / max(1, tp + fp):.4f}  ({fp} distinct pairs found as duplicates)")
    # every pair of documents from different pages that ended in one cluster is a false positive
    members = defaultdict(list)
    for d in docs:
        members[cluster[d["id"]]].append(d["source"])
    same_cluster = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
    wrong = sum(
        (len(m) * (len(m) - 1) - sum(c * (c - 1) for c in _counts(m).values())) // 2 for m in members.values()
    )
    print(
        f"all document pairs put in one cluster: {same_cluster}, of which from different pages: {wrong} "
        f"(precision over all {len(docs) * (len(docs) - 1) // 2} pairs: {1 - wrong / max(1, same_cluster):.4f})"
    )
    print("found by kind (all Jaccard):")
    for kind in sorted({p["kind"] for p in pairs}):
        sel = [p for p in pairs if p["kind"] == kind]
        js = sorted(p["jaccard"] for p in sel)
        print(
            f"  {kind:22s} {sum(p['found'] for p in sel):4d}/{len(sel):4d}  median Jaccard {js[len(js) // 2]:.2f}"
        )
    print("variant pairs found by Jaccard range:")
    for low in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9):
        high = low + 0.1 if low else 0.5
        sel = [p for p in near if low <= p["jaccard"] < high or (high >= 1.0 and p["jaccard"] >= low)]
        if sel:
            print(
                f"  [{low:.1f}, {min(high, 1.0):.1f}{']' if high >= 1.0 else ')'}  "
                f"{sum(p['found'] for p in sel):4d}/{len(sel):4d}"
            )


if __name__ == "__main__":
    main()
