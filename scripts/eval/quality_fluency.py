#!/usr/bin/env python
"""Does the quality ensemble tell prose from shuffled words and from navigation lists, per language?

    .venv/bin/python scripts/eval/quality_fluency.py [--lm models/lm] [--classifier web=models/quality-web.ftz]
        [--combine max] [--json out.json]

Dev set (never used to train the classifier or the language models): GNOME's user help
(Debian package `gnome-user-docs`, CC-BY-SA-3.0, fetched with `apt-get download` into
build/fluency-dev/; 295 Mallard pages translated into 41 locales). Per locale:
- prose: the translated `<p>` paragraphs of one page (paragraphs still in English are dropped),
  one document per page with at least 3 paragraphs and 30 words;
- shuffled: the same document's words in a random order (line lengths kept; for Chinese and
  Japanese, which do not space words, the characters are shuffled);
- shuffled_punct: the words shuffled among the word positions, punctuation left in place (every
  sentence still ends with its full stop: a bag of words plus punctuation positions sees nothing);
- navigation: lists of 8-20 translated page titles, in page order (like a help index or menu).

Each document gets the classifier's and the fluency model's raw score; per locale, the scores are
ranked into the stage's 20 percentile buckets over that locale's documents (as the buckets job
does over a corpus), and combined by the `combine` rule. ROC-AUC of prose against each kind of bad
text, per locale, for every signal; CPU per document (process time) of each scorer.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from curator.stages.quality.buckets import bucket_edges, combined_buckets  # noqa: E402
from curator.stages.quality.classifier import DEFAULT_MODEL, FastTextClassifier  # noqa: E402
from curator.stages.quality.fluency import FLUENCY, FluencyModels  # noqa: E402
from curator.stages.quality.train import (  # noqa: E402
    roc_auc,
    shuffled_keeping_punctuation,
    shuffled_words,
)

WORK = ROOT / "build" / "fluency-dev"
PACKAGE = "gnome-user-docs"
MALLARD = "{http://projectmallard.org/1.0/}"
_SPACES = re.compile(r"\s+")


def help_root() -> Path:
    """GNOME help unpacked from the Debian package (downloaded once with apt-get)."""
    root = WORK / "root" / "usr" / "share" / "help"
    if root.is_dir():
        return root
    debs = WORK / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if not list(debs.glob(f"{PACKAGE}_*.deb")):
        subprocess.run(["apt-get", "download", PACKAGE], cwd=debs, check=True)
    deb = sorted(debs.glob(f"{PACKAGE}_*.deb"))[-1]
    subprocess.run(["dpkg-deb", "-x", str(deb), str(WORK / "root")], check=True)
    return root


def squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def read_page(path: Path) -> tuple[str, list[str]]:
    """(title, paragraphs) of a Mallard page; paragraphs outside <info>."""
    import lxml.etree as et

    tree = et.parse(str(path))
    title_el = tree.getroot().find(f"{MALLARD}title")
    title = squash("".join(title_el.itertext())) if title_el is not None else ""
    paragraphs = []
    for p in tree.getroot().iter(f"{MALLARD}p"):
        if any(a.tag == f"{MALLARD}info" for a in p.iterancestors()):
            continue
        text = squash("".join(p.itertext()))
        if text:
            paragraphs.append(text)
    return title, paragraphs


def unspaced(text: str) -> bool:
    return text.count(" ") < len(text) / 20


def build_dev_set(root: Path, seed: int = 0) -> dict[str, dict[str, list[str]]]:
    """locale -> {"prose": [...], "shuffled": [...], "shuffled_punct": [...], "navigation": [...]}."""
    english = {p.name: read_page(p) for p in sorted((root / "C" / "gnome-help").glob("*.page"))}
    out = {}
    for folder in sorted(root.iterdir()):
        locale = folder.name
        if locale == "C" or not (folder / "gnome-help").is_dir():
            continue
        rng = random.Random(f"{seed}:{locale}")
        prose, titles = [], []
        for path in sorted((folder / "gnome-help").glob("*.page")):
            title, paragraphs = read_page(path)
            en_title, en_paragraphs = english.get(path.name, ("", []))
            if title and title != en_title:
                titles.append(title)
            kept = [p for p in paragraphs if p not in set(en_paragraphs) and len(p) > 15]
            doc = "\n".join(kept)
            if len(kept) >= 3 and (len(doc.split()) >= 30 or (unspaced(doc) and len(doc) >= 80)):
                prose.append(doc)
        navigation, i = [], 0
        while i + 8 <= len(titles):
            n = rng.randint(8, 20)
            navigation.append("\n".join(titles[i : i + n]))
            i += n
        shuffled = [shuffled_words(doc, rng) for doc in prose]
        in_place = [shuffled_keeping_punctuation(doc, rng) for doc in prose]
        if len(prose) >= 10 and len(navigation) >= 5:
            out[locale] = {
                "prose": prose,
                "shuffled": shuffled,
                "shuffled_punct": in_place,
                "navigation": navigation,
            }
    return out


def locale_label(locale: str, sample: str) -> str:
    from curator.text.labels import normalize_label

    return normalize_label(locale.split("_")[0].split("@")[0], engine="fasttext", text=sample)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lm", type=Path, default=ROOT / "models" / "lm", help="fluency model folder")
    ap.add_argument(
        "--classifier",
        action="append",
        default=None,
        metavar="NAME=PATH",
        help="default: web=<shipped model>",
    )
    ap.add_argument("--combine", default="max,mean,min", help="ensemble rules to report (comma-separated)")
    ap.add_argument("--keep-clean-fraction", type=float, default=0.8, help="the fluency filter's setting")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args()

    classifiers = {
        name: FastTextClassifier(path)
        for name, path in (c.split("=", 1) for c in (args.classifier or [f"web={DEFAULT_MODEL}"]))
    }
    lm = FluencyModels(args.lm)
    if lm.problem():
        sys.exit(lm.problem())
    rules = args.combine.split(",")
    dev = build_dev_set(help_root())
    kinds = ("shuffled", "shuffled_punct", "navigation")
    rows, cpu = [], {name: [0.0, 0] for name in [*classifiers, FLUENCY]}
    for locale, sets in dev.items():
        label = locale_label(locale, "\n".join(sets["prose"][:20]))
        docs = [(kind, text) for kind in ("prose", *kinds) for text in sets[kind]]
        scores: dict[str, list[float | None]] = {}
        for name, clf in [*classifiers.items(), (FLUENCY, None)]:
            t = time.process_time()
            if clf is None:
                scores[name] = [lm.score(text, label) for _, text in docs]
            else:
                scores[name] = [clf.score(text) for _, text in docs]
            cpu[name][0] += time.process_time() - t
            cpu[name][1] += len(docs)
        has_lm = lm.model(label) is not None
        used = [n for n in scores if n != FLUENCY or has_lm]
        arrays = {n: np.array([np.nan if v is None else v for v in scores[n]]) for n in used}
        edges = {n: bucket_edges(arrays[n]) for n in used}
        ensembles = {f"ens:{r}": combined_buckets(arrays, edges, r) / 19 for r in rules}
        # the stage with the fluency filter (keep_clean_fraction): what it removes ranks below
        # everything it keeps; kept documents ranked by the classifiers alone (fluency.ensemble:
        # false) or by max over classifiers and fluency
        threshold = lm.min_score(label, args.keep_clean_fraction) if has_lm else None
        kept = np.array([threshold is None or v is None or v >= threshold for v in scores[FLUENCY]])
        by_classifiers = combined_buckets({n: arrays[n] for n in classifiers}, edges, "max") / 19
        ensembles["filter+clf"] = np.where(kept, by_classifiers, by_classifiers - 2)
        ensembles["filter+max"] = (
            np.where(kept, ensembles["ens:max"], ensembles["ens:max"] - 2) if "ens:max" in ensembles else None
        )
        row = {
            "locale": locale,
            "language": label,
            "model": has_lm,
            "docs": {k: len(v) for k, v in sets.items()},
        }
        for signal, values in [*((n, scores[n]) for n in used), *ensembles.items()]:
            if values is None:
                continue
            for kind in kinds:
                idx = [i for i, (k, _) in enumerate(docs) if k in ("prose", kind)]
                labels = [docs[i][0] == "prose" for i in idx]
                vals = [values[i] if values[i] is not None else -99.0 for i in idx]
                row[f"{signal} {kind}"] = round(roc_auc(labels, vals), 3)
        rows.append(row)

    signals = [*classifiers, FLUENCY, *(f"ens:{r}" for r in rules), "filter+clf", "filter+max"]
    cols = [f"{s} {k}" for s in signals for k in kinds]
    print(f"{'locale':9} {'language':9} {'prose':>5} " + " ".join(f"{c[:17]:>17}" for c in cols))
    for row in rows:
        cells = " ".join(f"{row.get(c, float('nan')):>17.3f}" for c in cols)
        print(f"{row['locale']:9} {row['language']:9} {row['docs']['prose']:>5} {cells}")
    summary = {}
    for c in cols:
        values = [row[c] for row in rows if c in row]
        summary[c] = (
            {"median": statistics.median(values), "min": min(values), "n": len(values)} if values else {}
        )
    print(f"{'median':25} " + " ".join(f"{summary[c].get('median', float('nan')):>17.3f}" for c in cols))
    print(f"{'worst':25} " + " ".join(f"{summary[c].get('min', float('nan')):>17.3f}" for c in cols))
    with_model = {c: [row[c] for row in rows if c in row and row["model"]] for c in cols}
    print(
        f"{'worst with a fluency model':25} "
        + " ".join(f"{min(v or [float('nan')]):>17.3f}" for v in with_model.values())
    )
    for c in cols:
        if summary[c]:
            summary[c]["min_with_model"] = min(with_model[c] or [float("nan")])
            worst = min((r for r in rows if c in r), key=lambda r: r[c])
            print(f"  worst {c}: {worst['locale']} {worst[c]:.3f}")
    no_model = [f"{r['locale']} ({r['language']})" for r in rows if not r["model"]]
    print(f"locales without a language model (fluency falls back to none): {', '.join(no_model) or 'none'}")
    for name, (seconds, n) in cpu.items():
        print(f"CPU per document, {name}: {1000 * seconds / max(n, 1):.2f} ms ({n} documents)")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary, "cpu": cpu}, indent=1))


if __name__ == "__main__":
    main()
