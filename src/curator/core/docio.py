"""One mapping between datatrove Documents and curator's flat Parquet rows (used by every reader/writer)."""

from __future__ import annotations

from datatrove.data import Document

from curator.core.names import UNDETERMINED_LANGUAGE

# Fixed leading columns of curator's Parquet (a stage not in the config leaves its columns out).
LEADING_COLUMNS = (
    "id",
    "text",
    "url",
    "date",
    "dump",
    "source_file",
    "language",
    "language_score",
    "minhash_cluster_size",
    "quality_score",
)


def doc_language(doc: Document) -> str:
    return doc.metadata.get("language") or UNDETERMINED_LANGUAGE


def doc_to_row(doc: Document) -> dict:
    row = {"id": doc.id, "text": doc.text}
    for key, value in doc.metadata.items():
        if key not in row:
            row[key] = value
    return row


def row_to_doc(row: dict, text_column: str = "text", id_column: str = "id") -> Document:
    text = row.pop(text_column, None)
    doc_id = row.pop(id_column, None)
    return Document(text=text if text is not None else "", id=str(doc_id), metadata=row)


def order_columns(names) -> list[str]:
    names = list(dict.fromkeys(names))
    leading = [c for c in LEADING_COLUMNS if c in names]
    rest = sorted(c for c in names if c not in LEADING_COLUMNS)
    return leading + rest


def load_table(path, columns: list[str] | None = None):
    """One Parquet file as a table, without pq.read_table's import of pyarrow.dataset in every task process."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as f:
        return f.read(columns=columns)
