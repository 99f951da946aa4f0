#!/usr/bin/env python
"""Per-language `language_score` thresholds from the default LID engine's scores on real clean text.

    .venv/bin/python scripts/lid_score_thresholds.py [--engine ensemble] [--per-language 60]
        [--out src/curator/text/data/score_thresholds.tsv]

Why: a profile's `language_score` removes documents whose LID score is below it, so it must come
from the scores of the engine the pipeline runs (the ensemble's scores are distributed unlike
lid.176's). Text (clean, known language):
- ../shared/data/lid-dev/<iso639-3>.txt sentences, grouped into paragraphs of --sentences lines;
- data/calibration/udhr.jsonl.gz sections (UDHR, one record per article).
Each text goes through the lid block's input (lid_input: main lines, normalised); only texts the
engine labels correctly count (a mislabelled text says nothing about its language's scores). Per
predicted label: threshold = clip(median - std, 0.3, 0.9) (the issue's / FineWeb2's rule).
Writes a TSV (language, threshold, n) atomically and prints median, std, 10th percentile per language.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: scripts.devtools

from curator.stages.lid.engines import make_engine  # noqa: E402
from curator.stages.lid.score_thresholds import (  # noqa: E402
    MIN_TEXTS,
    lid_dev_paragraphs,
    score_distributions,
    thresholds,
    udhr_sections,
    write_tsv,
)
from curator.text.labels import DATA_DIR  # noqa: E402
from scripts.devtools.calibration_corpus import UDHR_BUNDLE  # noqa: E402
from scripts.devtools.shared import shared_data  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--engine", default="ensemble", help="the engine the pipeline runs (lid block default: ensemble)"
    )
    ap.add_argument("--lid-dev", type=Path, default=shared_data("lid-dev"))
    ap.add_argument("--udhr", type=Path, default=UDHR_BUNDLE)
    ap.add_argument("--sentences", type=int, default=5, help="lid-dev sentences per paragraph")
    ap.add_argument(
        "--per-language", type=int, default=60, help="at most this many texts per language and source"
    )
    ap.add_argument("--out", type=Path, default=DATA_DIR / "score_thresholds.tsv")
    args = ap.parse_args()

    texts = []
    if args.lid_dev.is_dir():
        texts += lid_dev_paragraphs(args.lid_dev, args.sentences, args.per_language)
    else:
        print(f"warning: {args.lid_dev} not found: lid-dev sentences skipped", file=sys.stderr)
    if args.udhr.is_file():
        texts += udhr_sections(args.udhr, args.per_language)
    else:
        print(f"warning: {args.udhr} not found: UDHR sections skipped", file=sys.stderr)
    if not texts:
        raise SystemExit("no text to score: give --lid-dev DIR and/or --udhr FILE")

    rows = thresholds(score_distributions(make_engine(args.engine), texts))
    write_tsv(args.out, rows, args.engine)
    print(
        f"{len(texts)} texts; {len(rows)} languages with >= {MIN_TEXTS} correctly labelled texts -> {args.out}\n"
    )
    print("| language | n | median | std | p10 | threshold |\n|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['language']} | {r['n']} | {r['median']:.3f} | {r['std']:.3f} | {r['p10']:.3f} | {r['threshold']:.3f} |"
        )


if __name__ == "__main__":
    main()
