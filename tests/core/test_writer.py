"""The atomic Parquet writer on real pages: whole files or none, every column of every document kept."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from curator.core.readers import WarcDocReader
from curator.core.writer import ParquetDocWriter

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "demo-pages.warc.gz"


@pytest.fixture(scope="module")
def pages():
    docs = list(WarcDocReader([str(SAMPLE)]).run(rank=0, world_size=1))
    assert len(docs) >= 20
    return docs


def rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_a_column_first_seen_in_a_later_batch_is_kept(tmp_path, pages):
    """Batches of 5: the column appears only on documents of the third batch and later, where
    before it was silently dropped because the file's schema came from the first batch."""
    late = {d.id for d in pages[12:]}
    for doc in pages:
        if doc.id in late:
            doc.metadata["language_in"] = "not a label"
    try:
        with ParquetDocWriter(tmp_path, batch_size=5) as writer:
            for doc in pages:
                writer.write(doc)
    finally:
        for doc in pages:
            doc.metadata.pop("language_in", None)
    written = rows(tmp_path / "00000.parquet")
    assert [r["id"] for r in written] == [d.id for d in pages]
    assert [r["text"] for r in written] == [d.text for d in pages]
    assert {r["id"] for r in written if r["language_in"] == "not a label"} == late
    assert all(r["language_in"] is None for r in written if r["id"] not in late)


def test_nothing_is_visible_until_the_writer_closes_and_nothing_after_a_failure(tmp_path, pages):
    writer = ParquetDocWriter(tmp_path, batch_size=4)
    with pytest.raises(RuntimeError, match="killed"):
        with writer:
            for i, doc in enumerate(pages):
                writer.write(doc)
                if i == 10:
                    # three batches flushed to the temp file, none of it under the final name
                    assert not (tmp_path / "00000.parquet").exists()
                    raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_a_column_changing_type_names_the_file(tmp_path, pages):
    with pytest.raises(RuntimeError, match=r"00000\.parquet: a document's columns do not match"):
        with ParquetDocWriter(tmp_path, batch_size=2) as writer:
            for i, doc in enumerate(pages[:6]):
                doc.metadata["page_rank"] = 1.5 if i < 2 else "high"
                writer.write(doc)
    for doc in pages:
        doc.metadata.pop("page_rank", None)
    assert list(tmp_path.iterdir()) == []


def test_files_per_language_stay_inside_the_output(tmp_path, pages):
    with ParquetDocWriter(tmp_path, filename="{language}/{rank:05d}.parquet") as writer:
        for i, doc in enumerate(pages[:6]):
            doc.metadata["language"] = "fra_Latn" if i % 2 else "deu_Latn"
            writer.write(doc, rank=3)
    for doc in pages:
        doc.metadata.pop("language", None)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet")) == [
        "deu_Latn/00003.parquet",
        "fra_Latn/00003.parquet",
    ]
    assert len(rows(tmp_path / "fra_Latn" / "00003.parquet")) == 3
