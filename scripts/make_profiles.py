"""Regenerate lang_profiles/ for every language the lid stage can output (`make profiles`): the
labels of its default engine's voters (lid.176, heliport, CLD2; corpus.lid_stage_languages).

Text: ../shared/data/lid-dev (Leipzig web sentences, 75 languages), the UDHR bundled in
data/calibration/ (194 languages) and, for the reference language English, the
scrapinghub article bodies of ../shared/data/html-gold; stop words are picked among jusText's curated lists
(../shared/data/stopwords) where one exists. language_score comes from the lid stage's default
engine (the score it gives each document's true language). Languages without text get the
median thresholds of their script's calibrated languages (docs/profiles.md).

    .venv/bin/python scripts/make_profiles.py [--out lang_profiles] [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: scripts.devtools
from curator.calibrate.calibrate import (  # noqa: E402
    LANGUAGE_SCORE_RANGE,
    CalibrationSettings,
    Document,
    calibrate_profiles,
)
from curator.calibrate.stopwords import load_stoplists  # noqa: E402
from curator.core.paths import DEFAULT_PROFILES_DIR  # noqa: E402
from curator.stages.lid.block import LidParams  # noqa: E402
from curator.stages.lid.engines import make_engine  # noqa: E402
from curator.stages.lid.page import identify_page  # noqa: E402
from curator.text.labels import label_table, same_language  # noqa: E402
from scripts.devtools.calibration_corpus import (  # noqa: E402
    lid_dev_documents,
    lid_stage_languages,
    scrapinghub_documents,
    udhr_documents,
)
from scripts.devtools.shared import shared_data  # noqa: E402

MIN_DOCS = 30  # a UDHR alone (preamble + 30 articles) is enough for a full calibration
CLEAN_TEXT_GUARD = 0.01  # the calibration text is clean prose: no rule may remove more than 1 % of it
# Scores of clean prose overstate those of web pages, where boilerplate in other languages dilutes them:
# with clip(median - std, 0.3, 0.9) from clean text, 27 of 450 correctly identified lid-dev pages (English
# boilerplate around the text) fell below their language's threshold; the lowest correct page scored 0.606.
# So the shipped profiles cap the threshold at 0.6; `curator profiles calibrate` on a run's own (web)
# output keeps FineWeb2's 0.9.
WEB_PAGE_LANGUAGE_SCORE_CAP = 0.6


def lid176_languages() -> list[str]:
    """lid.176's 176 labels as FineWeb2 languages, in the model's order (curator.stages.lid's label table)."""
    return [info.language for (engine, _), info in label_table().items() if engine == "fasttext"]


def with_language_scores(documents: Iterable[Document]) -> Iterator[Document]:
    """The score the lid stage gives each document's own language (its default engine, page scoring
    of page.identify_page; 0 when it is not among the top 5): the number the profile's
    language_score is compared with in a run. The page names only one form of a macrolanguage and
    its member (arb for the `ara` file's Arabic): the document's own label's score if the page
    names it, else that of its macrolanguage or member (the engine's top 5 used to list both)."""
    engine = make_engine(LidParams.model_fields["engine"].default, None)
    share = LidParams.model_fields["main_share"].default
    for doc in documents:
        prediction = dict(identify_page(engine, doc.text, share, k=5).prediction)
        family = [score for label, score in prediction.items() if same_language(label, doc.language)]
        doc.language_score = prediction.get(doc.language, max(family, default=0.0))
        yield doc


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_PROFILES_DIR)
    parser.add_argument("--shared", type=Path, default=shared_data())
    args = parser.parse_args()

    languages = lid_stage_languages()
    documents = [
        *lid_dev_documents(args.shared / "lid-dev", languages),
        *udhr_documents(languages),
        *scrapinghub_documents(args.shared),
    ]
    settings = CalibrationSettings(
        min_docs=MIN_DOCS,
        max_removed_share=CLEAN_TEXT_GUARD,
        stoplists=load_stoplists(args.shared / "stopwords"),
        language_score_range=(LANGUAGE_SCORE_RANGE[0], WEB_PAGE_LANGUAGE_SCORE_CAP),
    )
    start = time.time()
    results = calibrate_profiles(
        with_language_scores(documents),
        args.out,
        settings,
        also_languages=languages,
        inputs="lid-dev sentences (../shared/data/lid-dev) + UDHR (data/calibration/udhr.jsonl.gz) + "
        "scrapinghub English articles (../shared/data/html-gold)",
    )
    tiers = {
        t: sorted(r.profile.language for r in results if r.tier == t) for t in ("full", "partial", "none")
    }
    print(f"{len(documents)} documents, {len(results)} profiles in {args.out} ({time.time() - start:.0f} s)")
    for tier, names in tiers.items():
        print(f"{tier}: {len(names)}{': ' + ' '.join(names) if tier != 'full' else ''}")


if __name__ == "__main__":
    main()
