"""Held-out check of calibrated profiles: do clean texts of every language survive the filters?

Calibrates profiles (as `make profiles` does) from part of the text only, then runs datatrove's
filter chain with each language's profile on the rest:
- lid-dev: sentences 0-699 of each file calibrate, 700- are held out (as documents, web-like);
- UDHR: preamble + articles 1-20 calibrate, articles 21-30 are held out: the same text in every
  language, so keep rates should match English's;
- scrapinghub article bodies (../shared/data/html-gold): real English news articles, half held out.
Prints the keep rate per language and the languages under 95 % / more than 10 points from English.

    .venv/bin/python scripts/eval/profiles_heldout.py [--shared ../shared/data] [--languages a,b]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from datatrove.data import Document as DtDocument

from curator.calibrate.calibrate import CalibrationSettings, Document, calibrate_profiles
from curator.calibrate.stopwords import load_stoplists
from curator.stages.filters.reference import chain_first_failure, datatrove_chain
from curator.text.profiles import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.calibration_corpus import (  # noqa: E402
    lid_dev_documents,
    scrapinghub_documents,
    udhr_documents,
)
from scripts.devtools.shared import shared_data  # noqa: E402
from scripts.make_profiles import CLEAN_TEXT_GUARD, lid176_languages, with_language_scores  # noqa: E402

CALIBRATION_SENTENCES = 700
UDHR_CALIBRATION = {"preamble", *(f"article-{i}" for i in range(1, 21))}
UDHR_HELD_OUT = {f"article-{i}" for i in range(21, 31)}
TARGET_KEEP = 0.95
PARITY_POINTS = 10


def keep_rates(
    documents: list[Document], profiles: Path
) -> tuple[dict[str, float], dict[str, int], dict[str, Counter]]:
    kept, total, reasons = Counter(), Counter(), defaultdict(Counter)
    chains = {}
    for doc in documents:
        if doc.language not in chains:
            chains[doc.language] = datatrove_chain(load_profile(doc.language, profiles))
        reason = chain_first_failure(chains[doc.language], DtDocument(doc.text, "x"))
        total[doc.language] += 1
        if reason is None:
            kept[doc.language] += 1
        else:
            reasons[doc.language][reason] += 1
    return {lang: kept[lang] / n for lang, n in total.items()}, dict(total), reasons


def report(title: str, rates: dict[str, float], totals: dict[str, int], reasons: dict[str, Counter]) -> None:
    low = {lang: r for lang, r in rates.items() if r < TARGET_KEEP}
    values = sorted(rates.values())
    print(
        f"\n## {title}: {len(rates)} languages, median keep {values[len(values) // 2]:.3f}, "
        f"min {values[0]:.3f}; {len(low)} under {TARGET_KEEP:.0%}"
    )
    for lang in sorted(low, key=low.get):
        print(f"  {lang}: {low[lang]:.2f} of {totals[lang]}  {dict(reasons[lang].most_common(3))}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=shared_data())
    parser.add_argument(
        "--languages", default="", help="comma-separated subset (default: all lid.176 languages)"
    )
    args = parser.parse_args()
    languages = [
        lang for lang in lid176_languages() if not args.languages or lang in args.languages.split(",")
    ]
    if "eng_Latn" not in languages:
        languages.append("eng_Latn")

    calibration = [
        *lid_dev_documents(args.shared / "lid-dev", languages, slice(0, CALIBRATION_SENTENCES)),
        *udhr_documents(languages, UDHR_CALIBRATION),
        *scrapinghub_documents(args.shared, held_out=False),
    ]
    held_lid = list(lid_dev_documents(args.shared / "lid-dev", languages, slice(CALIBRATION_SENTENCES, None)))
    held_udhr = list(udhr_documents(languages, UDHR_HELD_OUT))
    settings = CalibrationSettings(
        min_docs=20, max_removed_share=CLEAN_TEXT_GUARD, stoplists=load_stoplists(args.shared / "stopwords")
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        calibrate_profiles(with_language_scores(calibration), out, settings, also_languages=languages)
        print(
            f"# calibrated on {len(calibration)} documents; held out: lid-dev {len(held_lid)}, "
            f"UDHR {len(held_udhr)}, scrapinghub (English articles)"
        )
        report("lid-dev held-out sentences as documents", *keep_rates(held_lid, out))
        udhr_rates, udhr_totals, udhr_reasons = keep_rates(held_udhr, out)
        report("UDHR articles 21-30 (parallel)", udhr_rates, udhr_totals, udhr_reasons)
        english = udhr_rates.get("eng_Latn", 0.0)
        apart = {lang: r for lang, r in udhr_rates.items() if abs(r - english) * 100 > PARITY_POINTS}
        print(
            f"  English keeps {english:.2f}; {len(apart)} languages more than {PARITY_POINTS} points away: "
            + " ".join(f"{lang}={r:.2f}" for lang, r in sorted(apart.items()))
        )
        report(
            "scrapinghub English articles, held-out half",
            *keep_rates(list(scrapinghub_documents(args.shared, True)), out),
        )


if __name__ == "__main__":
    main()
