"""Real documents for the filters' agreement tests, benchmark and keep-rate check.

- extracted web pages: tests/data/filters/real_pages.parquet (the text of
  shared/data/bench/real-pages.warc.gz, see tests/data/filters/PROVENANCE.md);
- clean article text: the gold `articleBody` of shared/data/html-gold/scrapinghub;
- clean sentences in 75 languages: shared/data/lid-dev/<iso639-3>.txt, consecutive sentences
  grouped into paragraphs (one per line) and documents, labelled as the lid block labels them.
"""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.data import Document

SENTENCES_PER_PARAGRAPH = 4
PARAGRAPHS_PER_DOC = 3


def real_pages(parquet: Path) -> list[Document]:
    import pyarrow.parquet as pq

    return [
        Document(text=row["text"], id=row["id"], metadata={"language": row["language"], "url": row["url"]})
        for row in pq.read_table(parquet).to_pylist()
    ]


def gold_articles(scrapinghub_dir: Path, language_by_url: dict[str, str] | None = None) -> list[Document]:
    """Gold article bodies, labelled with the language of the same URL among `language_by_url`
    (e.g. the real pages', as a few articles are not English), else eng_Latn."""
    truth = json.loads((scrapinghub_dir / "ground-truth.json").read_text(encoding="utf-8"))
    known = language_by_url or {}
    return [
        Document(
            text=item["articleBody"],
            id=f"scrapinghub/{key}",
            metadata={"language": known.get(item["url"], "eng_Latn"), "url": item["url"]},
        )
        for key, item in sorted(truth.items())
        if item.get("articleBody", "").strip()
    ]


def lid_dev_languages(lid_dev_dir: Path) -> dict[str, str]:
    """iso639_3 -> the label the lid block gives the file's text (e.g. zho -> cmn_Hani, as fastText's
    `zh` is normalised), else `<iso639_3>_<script>` of languages.tsv for languages fastText lacks."""
    from curator.text.labels import normalize_label

    labels = {}
    for line in (lid_dev_dir / "languages.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        iso1, iso3, script = line.split("\t")[:3]
        sample = (lid_dev_dir / f"{iso3}.txt").read_text(encoding="utf-8")[:2000]
        label = normalize_label(iso1, engine="fasttext", text=sample)
        labels[iso3] = label if len(label.partition("_")[0]) == 3 else f"{iso3}_{script}"
    return labels


def sentence_docs(
    lid_dev_dir: Path, max_docs_per_language: int | None = None, codes: list[str] | None = None
) -> list[Document]:
    """lid-dev sentences as documents: SENTENCES_PER_PARAGRAPH sentences per line, PARAGRAPHS_PER_DOC
    lines; all languages, or the ISO 639-3 `codes` given."""
    per_doc = SENTENCES_PER_PARAGRAPH * PARAGRAPHS_PER_DOC
    docs = []
    for code, language in sorted(lid_dev_languages(lid_dev_dir).items()):
        if codes is not None and code not in codes:
            continue
        sentences = [
            s.strip() for s in (lid_dev_dir / f"{code}.txt").read_text(encoding="utf-8").splitlines()
        ]
        sentences = [s for s in sentences if s]
        for n, start in enumerate(range(0, len(sentences) - per_doc + 1, per_doc)):
            if max_docs_per_language is not None and n >= max_docs_per_language:
                break
            chunk = sentences[start : start + per_doc]
            paragraphs = [
                " ".join(chunk[i : i + SENTENCES_PER_PARAGRAPH])
                for i in range(0, per_doc, SENTENCES_PER_PARAGRAPH)
            ]
            docs.append(
                Document(
                    text="\n".join(paragraphs), id=f"lid-dev/{code}/{n}", metadata={"language": language}
                )
            )
    return docs
