"""Readers over an explicit list of input files (globs resolved by the runner), sharded by rank.

Every record that does not become a document is counted under skipped/<reason>; a file that
cannot be read is logged by name and counted under file_error/<reason>, and the other files go on.

Parquet and JSONL inputs are untrusted (other pipelines' output, published datasets): a row's
`language` becomes a folder name and a profile file name later, so one that is not a language label
(`../../x`, an absolute path, 300 characters, a NUL...) is kept in `language_in`, replaced by `und`
(a `lid` stage, if any, labels the document afresh) and counted as the read stage's `invalid_language`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from curator.core.accounting import count_documents, count_file_error, count_skipped
from curator.core.docio import row_to_doc
from curator.core.names import UNDETERMINED_LANGUAGE, is_language_label

DUMP_PATTERN = re.compile(r"CC-MAIN-\d{4}-\d{2}", re.IGNORECASE)
HTML_TYPES = ("text/html", "application/xhtml+xml")
INVALID_LANGUAGE = "invalid_language"  # read-stage metric: incoming labels replaced by `und`
LANGUAGE_IN = "language_in"  # the column keeping an invalid incoming label (cut to MAX_LANGUAGE_IN)
MAX_LANGUAGE_IN = 1000


def dump_from_path(path: str) -> str | None:
    m = DUMP_PATTERN.search(path)
    return m.group(0).upper() if m else None


class FileListReader(PipelineStep):
    """Base: this task reads files[rank::world_size]."""

    type = "📖 - READER"

    def __init__(self, files: list[str], dump: str | None = None):
        super().__init__()
        self.files = [str(f) for f in files]
        self.dump = dump

    def read_file(self, path: str) -> DocumentsPipeline:
        raise NotImplementedError

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for path in self.files[rank::world_size]:
            self.stat_update("input_files")
            for doc in self.read_file(path):
                count_documents(self, "out", UNDETERMINED_LANGUAGE, 1, len(doc.text))
                yield doc

    def checked_language(self, row: dict) -> dict:
        """The row, its `language` replaced by `und` (the original kept in `language_in`) when it is
        set but not a language label: an untrusted value never becomes a path."""
        language = row.get("language")
        if language is None or language == "" or is_language_label(language):
            return row
        row[LANGUAGE_IN] = str(language)[:MAX_LANGUAGE_IN]
        row["language"] = UNDETERMINED_LANGUAGE
        self.stat_update(INVALID_LANGUAGE)
        return row

    def file_error(self, path: str, reason: str, detail: str, records_read: int):
        count_file_error(self, reason)
        where = "cannot be read" if records_read == 0 else f"stopped after {records_read} records"
        logger.error(f"{path}: {where}: {reason}: {detail}. The other input files are processed.")


def _decode(body: bytes, charset: str | None) -> tuple[str | None, str]:
    """Decode a payload: declared charset, then UTF-8, then detection. Returns (text, how)."""
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return body.decode(candidate), "declared" if candidate == charset else "utf-8"
        except (UnicodeDecodeError, LookupError):
            continue
    detected = detect_encoding(body)
    return bytes_to_str(body, detected), "detected"


def _looks_binary(body: bytes) -> bool:
    head = body[:4096]
    return b"\x00" in head and head.count(b"\x00") > len(head) // 100


class WarcDocReader(FileListReader):
    """WARC (response/resource records with HTML) or WET (conversion records) -> documents with
    the raw payload as text and id/url/date/dump/source_file metadata. Uses FastWARC."""

    name = "🕷 WARC (fastwarc)"

    def __init__(
        self, files: list[str], wet: bool = False, dump: str | None = None, max_record_bytes: int = 10_000_000
    ):
        super().__init__(files, dump)
        self.wet = wet
        self.max_record_bytes = max_record_bytes

    def read_file(self, path: str) -> DocumentsPipeline:
        from fastwarc.warc import ArchiveIterator, WarcRecordType

        dump = self.dump or dump_from_path(path)
        wanted = (
            WarcRecordType.conversion if self.wet else (WarcRecordType.response | WarcRecordType.resource)
        )
        n = 0
        try:
            iterator = ArchiveIterator(
                path, record_types=wanted | WarcRecordType.warcinfo, parse_http=not self.wet
            )
            for record in iterator:
                n += 1
                if record.record_type == WarcRecordType.warcinfo:
                    if dump is None:
                        dump = self._dump_from_warcinfo(record)
                    continue
                with self.track_time():
                    doc = self._record_to_doc(record, path, dump)
                if doc is not None:
                    yield doc
        except Exception as e:  # fastwarc raises OSError/ValueError on broken files, gzip errors included
            self.file_error(path, "unreadable" if n == 0 else "truncated", f"{type(e).__name__}: {e}", n)
            return
        if n == 0:
            self.file_error(path, "no_warc_records", "no WARC records found (empty file or not a WARC?)", 0)

    @staticmethod
    def _dump_from_warcinfo(record) -> str | None:
        try:
            return dump_from_path(record.reader.read(65536).decode("utf-8", "replace"))
        except Exception:
            return None

    def _record_to_doc(self, record, path: str, dump: str | None):
        headers = record.headers
        if record.content_length > self.max_record_bytes:
            count_skipped(self, "record_too_large")
            return None
        charset = None
        if self.wet:
            mime = "text/plain"
        else:
            if record.is_http:
                status = record.http_headers.status_code if record.http_headers else None
                if status is not None and not (200 <= status < 300):
                    count_skipped(self, "http_status")
                    return None
                mime = (headers.get("WARC-Identified-Payload-Type") or record.http_content_type or "").lower()
                charset = record.http_charset
            else:  # resource record: the block is the payload
                mime = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if mime and mime not in HTML_TYPES:
                count_skipped(self, "not_html")
                return None
        body = record.reader.read()
        if not body:
            count_skipped(self, "empty_body")
            return None
        if _looks_binary(body):
            count_skipped(self, "binary_body")
            return None
        try:
            text, how = _decode(body, charset)
        except Exception:
            count_skipped(self, "undecodable")
            return None
        if how == "detected":
            self.stat_update("charset_detected")
        if not text or text.isspace():  # as `not text.strip()`, without copying the page
            count_skipped(self, "empty_body")
            return None
        record_id = headers.get("WARC-Record-ID") or ""
        url = (headers.get("WARC-Target-URI") or "").strip().strip("<>") or None
        self.stat_update("records_read")
        return row_to_doc(
            {
                "text": text,
                "id": record_id,
                "url": url,
                "date": headers.get("WARC-Date"),
                "dump": dump,
                "source_file": path,
            }
        )


class ParquetDocReader(FileListReader):
    """Parquet with a text column (curator's own stage outputs, or user data)."""

    name = "📒 Parquet"

    def __init__(self, files, text_column="text", id_column="id", dump=None, batch_size=1000):
        super().__init__(files, dump)
        self.text_column, self.id_column, self.batch_size = text_column, id_column, batch_size

    def read_file(self, path: str) -> DocumentsPipeline:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except Exception as e:
            self.file_error(path, "unreadable", f"{type(e).__name__}: {e}", 0)
            return
        with pf:
            if self.text_column not in pf.schema_arrow.names:
                self.file_error(
                    path, "no_text_column", f"no column '{self.text_column}' (set input.text_column)", 0
                )
                return
            for i, batch in enumerate(pf.iter_batches(batch_size=self.batch_size)):
                for j, row in enumerate(batch.to_pylist()):
                    if not isinstance(row.get(self.text_column), str):  # null, or a numeric/list column
                        count_skipped(self, "no_text_field")
                        continue
                    if row.get(self.id_column) is None:
                        row[self.id_column] = f"{path}/{i * self.batch_size + j}"
                    if self.dump and not row.get("dump"):
                        row["dump"] = self.dump
                    row.setdefault("source_file", path)
                    yield row_to_doc(self.checked_language(row), self.text_column, self.id_column)


class JsonlDocReader(FileListReader):
    """JSON lines (optionally .gz/.zst compressed) with a text field."""

    name = "🐿 JSONL"

    def __init__(self, files, text_column="text", id_column="id", dump=None):
        super().__init__(files, dump)
        self.text_column, self.id_column = text_column, id_column

    def read_file(self, path: str) -> DocumentsPipeline:
        from datatrove.io import get_datafolder

        folder = get_datafolder(str(Path(path).parent))
        try:
            with folder.open(Path(path).name, "rt", compression="infer") as f:
                for lineno, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError:
                        count_skipped(self, "bad_json_line")
                        continue
                    if not isinstance(row, dict) or not isinstance(row.get(self.text_column), str):
                        count_skipped(self, "no_text_field")
                        continue
                    row.setdefault(self.id_column, f"{path}/{lineno}")
                    row[self.id_column] = str(row[self.id_column])
                    row.setdefault("source_file", path)
                    if self.dump and not row.get("dump"):
                        row["dump"] = self.dump
                    yield row_to_doc(self.checked_language(row), self.text_column, self.id_column)
        except (OSError, EOFError, UnicodeDecodeError) as e:
            self.file_error(path, "unreadable", f"{type(e).__name__}: {e}", 0)
