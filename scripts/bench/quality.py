"""Cost of curator's quality scoring step vs datatrove's FastTextClassifierFilter, same model, same
real documents (html-gold main text and boilerplate chunks).

datatrove's filter only replaces newlines before predicting; curator's scorer also prepares the
text (lower case, digits, punctuation tokens, unspaced scripts) and records every score for the
percentile buckets. Both run in rounds in one process (so machine load hits them alike); prints
documents/s and curator's time relative to datatrove's.

    .venv/bin/python scripts/bench/quality.py --docs 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters import FastTextClassifierFilter

from curator.stages.quality.classifier import DEFAULT_MODEL, FastTextClassifier
from curator.stages.quality.scorer import QualityScorer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools import quality_corpus as corpus  # noqa: E402
from scripts.devtools.shared import shared_data  # noqa: E402

DEFAULT_GOLD = shared_data("html-gold")


def real_documents(gold: Path, n: int) -> list[str]:
    rng = random.Random(0)
    texts = [
        e.text
        for page in corpus.scrapinghub_pages(gold / "scrapinghub")
        for e in corpus.chunk_page(page, rng)
    ]
    return (texts * (n // len(texts) + 1))[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    args = ap.parse_args()

    texts = real_documents(args.gold, args.docs)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        curator_step = QualityScorer({"web": FastTextClassifier(DEFAULT_MODEL)}, Path(tmp) / "scores")
        datatrove_step = FastTextClassifierFilter(
            # a threshold above 1 removes nothing; with no labels at all datatrove 0.10.1 raises TypeError
            str(DEFAULT_MODEL),
            remove_labels=[("lq", 2.0)],
            save_labels_in_metadata=True,
        )
        totals = {"datatrove FastTextClassifierFilter": 0.0, "curator QualityScorer": 0.0}
        for _ in range(args.rounds):
            for name, step in (
                ("datatrove FastTextClassifierFilter", datatrove_step),
                ("curator QualityScorer", curator_step),
            ):
                docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
                start = time.perf_counter()
                for _doc in step.run(iter(docs), 0, 1):
                    pass
                totals[name] += time.perf_counter() - start
    base = totals["datatrove FastTextClassifierFilter"]
    print(f"{len(texts)} documents, {mb:.1f} MB, {args.rounds} rounds, model {DEFAULT_MODEL.name}")
    for name, seconds in totals.items():
        rate = len(texts) * args.rounds / seconds
        print(
            f"{name:36} {rate:9.0f} docs/s  {mb * args.rounds / seconds:6.2f} MB/s  x{seconds / base:.2f} of datatrove"
        )


if __name__ == "__main__":
    main()
