"""Atomic Parquet writer for documents: temp file + rename, so a partial file is never visible.

A killed task leaves only hidden `.<name>.tmp` files, which readers and resume ignore; rerunning
the task rewrites the same deterministic file names, so nothing is lost or duplicated.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.core.atomic import temp_path_for
from curator.core.docio import doc_to_row, load_table, order_columns
from curator.core.names import UNDETERMINED_LANGUAGE, check_inside, check_language_label, safe_join
from curator.core.preload import import_if_installed

# Types of the columns every stage agrees on; others are inferred from the first batch.
KNOWN_TYPES = {
    "id": pa.string(),
    "text": pa.string(),
    "url": pa.string(),
    "date": pa.string(),
    "dump": pa.string(),
    "source_file": pa.string(),
    "language": pa.string(),
    "language_score": pa.float64(),
    "minhash_cluster_size": pa.int64(),
    "quality_score": pa.float64(),
    "reason": pa.string(),
    "repetitions": pa.int64(),
}


class _OpenFile:
    def __init__(self, final: Path):
        self.final = final
        # unique per process: an orphaned writer of a killed run never shares a temp file with the rerun
        self.tmp = temp_path_for(final)
        self.rows: list[dict] = []
        self.writer: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None
        self.count = 0

    def _schema_for(self, rows: list[dict]) -> pa.Schema:
        names = order_columns(k for r in rows for k in r)
        # every row's keys count (from_pylist infers from the first row only): a column that only some
        # documents carry, e.g. `language_in` on a relabelled row, gets its type from those that do
        inferred = pa.Table.from_pydict({n: [r.get(n) for r in rows] for n in names}).schema
        fields = []
        for name in names:
            typ = KNOWN_TYPES.get(name) or inferred.field(name).type
            if pa.types.is_null(typ):
                typ = pa.string()
            fields.append(pa.field(name, typ))
        return pa.schema(fields)

    def _widen(self, rows: list[dict]) -> None:
        """A column first seen after the file's first batch (a relabelled row's `language_in` in the
        second thousand documents, a step that adds a column to some documents only): rewrite what is
        written so far with the wider schema, earlier rows null in the new column, instead of dropping
        the column from every later row. Rare, and bounded by one file's rows."""
        known = set(self.schema.names)
        added = [n for n in order_columns(k for r in rows for k in r) if n not in known]
        if not added:
            return
        wider = self._schema_for(rows)
        schema = pa.schema(list(self.schema) + [wider.field(n) for n in added])
        self.writer.close()
        written = load_table(self.tmp)
        for name in added:
            written = written.append_column(
                schema.field(name), pa.nulls(written.num_rows, schema.field(name).type)
            )
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self.writer.write_table(written)
        self.schema = schema

    def flush(self):
        if not self.rows:
            return
        if self.writer is None:
            self.schema = self._schema_for(self.rows)
            self.final.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        else:
            self._widen(self.rows)
        try:
            table = pa.Table.from_pylist(self.rows, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise RuntimeError(
                f"{self.final}: a document's columns do not match the file's schema: {e}"
            ) from e
        self.writer.write_table(table)
        self.count += len(self.rows)
        self.rows = []

    def commit(self, inside: Path):
        self.flush()
        if self.writer is not None:
            self.writer.close()
            check_inside(self.final, inside)  # last line of defence: never rename a file outside the output
            os.replace(self.tmp, self.final)

    def abort(self):
        if self.writer is not None:
            self.writer.close()
        self.tmp.unlink(missing_ok=True)


class ParquetDocWriter(PipelineStep):
    """Write documents as flat Parquet rows. `filename` may use {rank} and {language}.

    Usable as a pipeline step (consumes the stream) and as a datatrove exclusion writer
    (context manager with `write(doc, rank)`).
    """

    name = "📝 Parquet (atomic)"
    type = "💽 - WRITER"

    def __init__(self, output_dir: str | Path, filename: str = "{rank:05d}.parquet", batch_size: int = 1000):
        super().__init__()
        self.output_dir = Path(output_dir)
        self.filename = filename
        self.batch_size = batch_size
        self._files: dict[Path, _OpenFile] = {}
        self._paths: dict[tuple[int, str], Path] = {}

    def preload(self) -> None:
        """pyarrow imports pandas (when installed) at its first array conversion: once here, not per task."""
        import_if_installed("pandas")

    def _path(self, doc: Document, rank: int) -> Path:
        """output_dir/filename for the document's language: the language must be a label (readers
        replace invalid incoming ones) and the file must stay inside output_dir (checked once per file)."""
        language = doc.metadata.get("language") or UNDETERMINED_LANGUAGE
        path = self._paths.get((rank, language))
        if path is None:
            if "{language" in self.filename:
                check_language_label(language, f"document {str(doc.id)[:100]!r}: language")
            relative = self.filename.format(rank=rank, language=language)
            path = self._paths[(rank, language)] = safe_join(self.output_dir, *Path(relative).parts)
        return path

    def write(self, doc: Document, rank: int = 0):
        path = self._path(doc, rank)
        f = self._files.get(path)
        if f is None:
            f = self._files[path] = _OpenFile(path)
        f.rows.append(doc_to_row(doc))
        if len(f.rows) >= self.batch_size:
            f.flush()
        self.stat_update("written")

    def __enter__(self):
        self._files = {}
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            for f in self._files.values():
                f.commit(self.output_dir)
        else:
            for f in self._files.values():
                f.abort()
        self._files = {}
        return False

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self:
            for doc in data:
                with self.track_time():
                    self.write(doc, rank)
        return
        yield  # a generator that yields nothing: the end of the stream
