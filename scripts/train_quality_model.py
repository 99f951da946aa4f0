#!/usr/bin/env python
"""Build models/quality-web.ftz, the quality block's default classifier, from local licensed text.

    python scripts/train_quality_model.py            # what `make quality-model` runs

Reads the recipe (models/quality-web.recipe.yaml): gold web pages and a spammy Common Crawl
excerpt from ../shared/data, plus Debian packages fetched with `apt-get download` (no install;
`apt-get update` first if the package lists are missing). Fixed seeds and single-threaded
training: a rerun gives the same model. Prints held-out metrics overall and per source, and
writes them with the data sources (package versions, sha256) to models/quality-web.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: scripts.devtools
from curator.stages.quality.train import (  # noqa: E402
    Example,
    TrainSettings,
    held_out_metrics,
    score_examples,
    shuffled_words,
    split_by_group,
    train_classifier,
)
from scripts.devtools import quality_corpus as corpus  # noqa: E402
from scripts.devtools.shared import PROJECT_ROOT, shared_data  # noqa: E402

# the realistic (and hardest) part of the held-out set: real web pages, not manuals or UI strings
WEB_SOURCES = ("html-gold/", "spam:")


def fetch_debs(packages: list[str], debs_dir: Path) -> dict[str, Path]:
    """package -> .deb file, downloading the missing ones with apt-get (the ordinary client)."""
    debs_dir.mkdir(parents=True, exist_ok=True)

    def present() -> dict[str, Path]:
        return {p: next(iter(sorted(debs_dir.glob(f"{p}_*.deb"))), None) for p in packages}

    missing = [p for p, deb in present().items() if deb is None]
    if missing:
        cmd = ["apt-get", "download", *missing]
        if subprocess.run(cmd, cwd=debs_dir).returncode != 0:
            print("apt-get download failed; running apt-get update and retrying", file=sys.stderr)
            subprocess.run(["apt-get", "update"], check=False)
            if subprocess.run(cmd, cwd=debs_dir).returncode != 0:
                sys.exit(
                    f"cannot download {' '.join(missing)} (needs Debian's apt and network to its mirror)"
                )
    found = present()
    still = [p for p, deb in found.items() if deb is None]
    if still:
        sys.exit(f"apt-get did not leave a .deb for: {' '.join(still)} in {debs_dir}")
    return found


def extract_deb(deb: Path, root: Path) -> Path:
    target = root / deb.stem
    if not target.is_dir():
        tmp = target.with_name(f".{target.name}.tmp")
        subprocess.run(["rm", "-rf", str(tmp)], check=True)
        tmp.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
        tmp.rename(target)
    return target


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collect_pages(recipe: dict, shared: Path, work: Path) -> tuple[list[corpus.Page], list[dict]]:
    sources = []
    pages: list[corpus.Page] = []
    sd = recipe["shared_data"]
    pages += corpus.scrapinghub_pages(shared / sd["scrapinghub"])
    pages += corpus.trafilatura_pages(shared / sd["trafilatura"])
    for warc in sd["spam_warcs"]:
        pages += corpus.warc_pages(shared / warc, f"spam:{Path(warc).name}")
    for key, rel in [("scrapinghub", sd["scrapinghub"]), ("trafilatura", sd["trafilatura"])] + [
        ("spam", w) for w in sd["spam_warcs"]
    ]:
        sources.append({"source": key, "path": f"../shared/data/{rel}", "see": "its PROVENANCE.md"})

    manuals: dict[str, str] = recipe["debian_manuals"]
    ui = recipe["ui_catalogues"]
    debs = fetch_debs(sorted(set(manuals) | set(ui["packages"])), work / "debs")
    roots = {p: extract_deb(deb, work / "root") for p, deb in debs.items()}
    for package, deb in sorted(debs.items()):
        sources.append({"source": f"debian:{package}", "deb": deb.name, "sha256": sha256(deb)})
    for package, language in manuals.items():
        pages += corpus.docbook_pages(roots[package], f"{package}:{language}")

    locales = sorted(set(manuals.values()) - {"en"})
    for locale in locales + ["en"]:
        folder = locale if locale != "en" else ui["english_from"]
        mo_files = [
            root / "usr/share/locale" / folder / "LC_MESSAGES" / f"{name}.mo"
            for root in (roots[p] for p in ui["packages"])
            for name in ui["catalogues"]
        ]
        mo_files = [m for m in mo_files if m.is_file()]
        pages += corpus.ui_string_pages(mo_files, f"ui:{locale}", recipe["seed"], msgids=(locale == "en"))
    return pages, sources


def build_examples(pages: list[corpus.Page], recipe: dict) -> list:
    lo, hi = recipe["chunk_tokens"]
    by_source: dict[tuple[str, bool], list] = {}
    for page in pages:
        rng = random.Random(f"{recipe['seed']}:{page.group}")
        for ex in corpus.chunk_page(page, rng, lo, hi):
            by_source.setdefault((ex.source, ex.positive), []).append(ex)
    if recipe.get("shuffled_negatives"):
        # the positives' words in a random order, as negatives of their own source (same group:
        # a page's shuffle sits on the same side of the split as the page)
        for (source, positive), items in sorted(by_source.items()):
            if positive:
                rng = random.Random(f"{recipe['seed']}:shuffled:{source}")
                by_source[(f"shuffled:{source}", False)] = [
                    Example(shuffled_words(e.text, rng), False, e.group, f"shuffled:{source}") for e in items
                ]
    examples = []
    cap = recipe["max_examples_per_source"]
    for key in sorted(by_source):
        items = by_source[key]
        random.Random(f"{recipe['seed']}:{key}").shuffle(items)
        examples += items[:cap]
    return examples


def unseen_language_check(model: Path, recipe: dict, shared: Path, work: Path) -> dict[str, float]:
    """ROC-AUC per language the model never saw: web sentences (../shared/data/lid-dev, Leipzig
    corpora, evaluation only) vs UI strings of the same language, chunked like the training data."""
    import csv

    trained = {loc.split("_")[0] for loc in recipe["debian_manuals"].values()}
    ui = recipe["ui_catalogues"]
    roots = [extract_deb(deb, work / "root") for deb in fetch_debs(ui["packages"], work / "debs").values()]
    lo, hi = recipe["chunk_tokens"]
    out = {}
    with (shared / "lid-dev" / "languages.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            locale = row["iso639_1"]
            if locale in trained:
                continue
            mo_files = [
                r / "usr/share/locale" / locale / "LC_MESSAGES" / f"{n}.mo"
                for r in roots
                for n in ui["catalogues"]
            ]
            mo_files = [m for m in mo_files if m.is_file()]
            sentences = (
                (shared / "lid-dev" / f"{row['iso639_3']}.txt").read_text(encoding="utf-8").splitlines()
            )
            if not mo_files:
                continue
            page = corpus.Page(row["iso639_3"], "unseen", positive=[s for s in sentences if s.strip()])
            page.negative = [
                s for p in corpus.ui_string_pages(mo_files, "unseen", recipe["seed"]) for s in p.negative
            ]
            examples = list(corpus.chunk_page(page, random.Random(recipe["seed"]), lo, hi))
            if sum(e.positive for e in examples) < 5 or sum(not e.positive for e in examples) < 5:
                continue
            scores = score_examples(model, examples, recipe.get("train", {}).get("normalization"))
            out[row["iso639_3"]] = round(held_out_metrics([e.positive for e in examples], scores).roc_auc, 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipe", type=Path, default=PROJECT_ROOT / "models" / "quality-web.recipe.yaml")
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "models" / "quality-web.ftz")
    ap.add_argument(
        "--work",
        type=Path,
        default=PROJECT_ROOT / "build" / "quality-data",
        help="downloaded .deb files and their contents (reused by later runs)",
    )
    ap.add_argument("--shared-data", type=Path, default=shared_data())
    args = ap.parse_args()

    recipe = yaml.safe_load(args.recipe.read_text(encoding="utf-8"))
    if not args.shared_data.is_dir():
        sys.exit(f"{args.shared_data}: shared data folder not found (set CURATOR_SHARED_DATA)")
    pages, sources = collect_pages(recipe, args.shared_data, args.work)
    examples = build_examples(pages, recipe)
    train, valid = split_by_group(examples, recipe["valid_fraction"], recipe["seed"])
    counts = Counter((e.source, "positive" if e.positive else "negative") for e in examples)
    print(f"{len(examples)} documents from {len(pages)} pages ({len(train)} train, {len(valid)} held out)")

    settings = TrainSettings(seed=recipe["seed"], **recipe.get("train", {}))
    if recipe.get("skeleton_copies"):
        skeletons = [
            Example(corpus.skeleton(e.text, settings.normalization), e.positive, e.group, e.source)
            for e in train
        ]
        train = train + [e for e in skeletons if len(e.text.split()) >= 5]
    train_classifier(train, args.out, settings)
    scores = score_examples(args.out, valid, settings.normalization)
    overall = held_out_metrics([e.positive for e in valid], scores)
    web_idx = [i for i, e in enumerate(valid) if e.source.startswith(WEB_SOURCES)]
    web = held_out_metrics([valid[i].positive for i in web_idx], [scores[i] for i in web_idx])
    print(f"model: {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    print(f"all sources  {overall.summary()}")
    print(f"web pages    {web.summary()}")

    per_source = {}
    print(f"{'source':40} {'class':8} {'n':>5} {'mean score':>10} {'accuracy@0.5':>12}")
    for source, positive in sorted({(e.source, e.positive) for e in valid}):
        idx = [i for i, e in enumerate(valid) if e.source == source and e.positive == positive]
        right = sum((scores[i] >= 0.5) == positive for i in idx)
        mean = sum(scores[i] for i in idx) / len(idx)
        label = "positive" if positive else "negative"
        per_source[f"{source} {label}"] = {
            "n": len(idx),
            "mean_score": round(mean, 4),
            "accuracy": round(right / len(idx), 4),
        }
        print(f"{source:40} {label:8} {len(idx):5d} {mean:10.3f} {right / len(idx):12.3f}")

    unseen = unseen_language_check(args.out, recipe, args.shared_data, args.work)
    values = sorted(unseen.values())
    if values:
        print(
            f"languages not in training ({len(values)}): ROC-AUC web sentences vs UI strings: "
            f"median {values[len(values) // 2]:.3f}, min {values[0]:.3f} "
            f"({min(unseen, key=unseen.get)}), share >= 0.9: {sum(v >= 0.9 for v in values) / len(values):.2f}"
        )

    report = {
        "model": args.out.name,
        "bytes": args.out.stat().st_size,
        "sha256": sha256(args.out),
        "labels": {"positive": "__label__hq", "negative": "__label__lq"},
        "normalization": settings.normalization,  # read by curator.stages.quality.classifier.model_normalization
        "text_normalization": f"{settings.normalization} (curator.stages.quality.text.prepare_text)",
        "settings": vars(settings),
        "recipe": args.recipe.name,
        "held_out": overall.as_dict(),
        "held_out_web_pages": web.as_dict(),
        "held_out_per_source": per_source,
        "unseen_languages_roc_auc": unseen,
        "examples": {f"{s} {c}": n for (s, c), n in sorted(counts.items())},
        "sources": sources,
    }
    report_path = args.out.with_suffix(".json")
    report_path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"metrics and sources: {report_path}")


if __name__ == "__main__":
    main()
