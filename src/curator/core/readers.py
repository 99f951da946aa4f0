"""Readers over an explicit list of input files (globs resolved by the runner), sharded by rank.

Every record that does not become a document is counted under skipped/<reason>; a file that
cannot be read is logged by name and counted under file_error/<reason>, and the other files go on.
Inputs may be URLs (core/remote.py): they are streamed, transient network errors are retried
(counted under retries/<reason>), and a file the network never delivers fails the task
(InputReadError) instead of becoming a file_error: a rerun must retry it, not lose it.

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

from curator.core.accounting import count_documents, count_file_error, count_skipped, metric_key, record_peak
from curator.core.docio import row_to_doc
from curator.core.errors import CuratorError
from curator.core.names import UNDETERMINED_LANGUAGE, is_language_label
from curator.core.remote import (
    InputNotFound,
    InputReadError,
    RemoteStream,
    RetryPolicy,
    StorageOptions,
    classify,
    is_remote,
    local_path,
    open_text_lines,
    redact,
    what_to_do,
)

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

    def __init__(
        self,
        files: list[str],
        dump: str | None = None,
        storage_options: dict | None = None,
        retry: RetryPolicy | None = None,
    ):
        super().__init__()
        self.files = [str(f) for f in files]
        self.dump = dump
        self.storage_options = StorageOptions(storage_options)
        self.retry = retry or RetryPolicy()

    def open_remote(self, path: str) -> RemoteStream:
        """A streaming reader of a URL whose retries are counted in this step's stats."""
        return RemoteStream(
            path,
            self.storage_options.options,
            self.retry,
            on_retry=lambda reason: self.stat_update(metric_key("retries", reason)),
        )

    def network_failure(self, path: str, e: Exception, stream: RemoteStream | None = None) -> None:
        """Raise if `e` (or what made `stream` give up) is a network failure: the task must fail.
        A missing file is counted (file_error/not_found) like a malformed one; returns then."""
        if isinstance(e, InputNotFound):
            return
        if isinstance(e, InputReadError):
            raise e
        if stream is not None:  # the stream judged every network error itself; the rest is the file's
            if stream.failure is not None:  # the parser wrapped our error
                raise stream.failure from e
            return
        if is_remote(path):  # read through fsspec directly (Parquet): judge the error here
            reason, transient = classify(e)
            # an unqualified OSError is what parsers raise on bad bytes: the file's fault, not the network's
            if (transient and reason != "io_error") or reason == "forbidden":
                raise InputReadError(
                    f"{redact(path)}: {reason}: {type(e).__name__}: {redact(str(e))[:300]}. The task fails "
                    f"so that the file is not lost; {what_to_do(reason, path)}"
                ) from e

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
        if any(is_remote(p) for p in self.files[rank::world_size]):
            # streamed inputs: show that a task's memory does not grow with the files it reads
            record_peak(self, "rss_mb", round(peak_rss_mb()))

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
        logger.error(
            f"{redact(path)}: {where}: {reason}: {redact(detail)}. The other input files are processed."
        )


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
        self,
        files: list[str],
        wet: bool = False,
        dump: str | None = None,
        max_record_bytes: int = 10_000_000,
        storage_options: dict | None = None,
        retry: RetryPolicy | None = None,
    ):
        super().__init__(files, dump, storage_options, retry)
        self.wet = wet
        self.max_record_bytes = max_record_bytes

    def read_file(self, path: str) -> DocumentsPipeline:
        from fastwarc.warc import ArchiveIterator, WarcRecordType

        dump = self.dump or dump_from_path(path)
        wanted = (
            WarcRecordType.conversion if self.wet else (WarcRecordType.response | WarcRecordType.resource)
        )
        n = 0
        stream = None
        try:
            # a URL is streamed (parsed as it arrives); a local file goes to FastWARC by name
            source = stream = self.open_remote(path) if is_remote(path) else None
            if source is None:
                source = local_path(path)
            iterator = ArchiveIterator(
                source, record_types=wanted | WarcRecordType.warcinfo, parse_http=not self.wet
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
            self.network_failure(path, e, stream)
            if isinstance(e, InputNotFound):
                self.file_error(path, "not_found", str(e), 0)
                return
            self.file_error(path, "unreadable" if n == 0 else "truncated", f"{type(e).__name__}: {e}", n)
            return
        finally:
            if stream is not None:
                stream.close()
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
                "source_file": redact(path),
            }
        )


class ParquetDocReader(FileListReader):
    """Parquet with a text column (curator's own stage outputs, or user data)."""

    name = "📒 Parquet"

    def __init__(
        self,
        files,
        text_column="text",
        id_column="id",
        dump=None,
        batch_size=1000,
        storage_options: dict | None = None,
        retry: RetryPolicy | None = None,
    ):
        super().__init__(files, dump, storage_options, retry)
        self.text_column, self.id_column, self.batch_size = text_column, id_column, batch_size

    def read_file(self, path: str) -> DocumentsPipeline:
        import pyarrow.parquet as pq

        try:
            if is_remote(path):  # Parquet needs seeks: fsspec's ranged file, not a stream
                from curator.core.remote import _fs

                fs, fs_path = _fs(path, self.storage_options.options, self.retry.timeout_s)
                pf = pq.ParquetFile(fs.open(fs_path, "rb"))
            else:
                pf = pq.ParquetFile(local_path(path))
        except Exception as e:
            self.network_failure(path, e)
            reason = "not_found" if classify(e)[0] == "not_found" and is_remote(path) else "unreadable"
            self.file_error(path, reason, f"{type(e).__name__}: {e}", 0)
            return
        try:
            yield from self._rows(pf, path)
        except Exception as e:
            self.network_failure(path, e)
            raise

    def _rows(self, pf, path: str) -> DocumentsPipeline:
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
                    row.setdefault("source_file", redact(path))
                    yield row_to_doc(self.checked_language(row), self.text_column, self.id_column)


class JsonlDocReader(FileListReader):
    """JSON lines (optionally .gz/.zst compressed) with a text field."""

    name = "🐿 JSONL"

    def __init__(
        self,
        files,
        text_column="text",
        id_column="id",
        dump=None,
        storage_options: dict | None = None,
        retry: RetryPolicy | None = None,
    ):
        super().__init__(files, dump, storage_options, retry)
        self.text_column, self.id_column = text_column, id_column

    def _open(self, path: str):
        if is_remote(path):
            return open_text_lines(path, self.storage_options.options, self.retry)
        from datatrove.io import get_datafolder

        local = local_path(path)
        return get_datafolder(str(Path(local).parent)).open(Path(local).name, "rt", compression="infer")

    def read_file(self, path: str) -> DocumentsPipeline:
        try:
            with self._open(path) as f:
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
                    row.setdefault("source_file", redact(path))
                    if self.dump and not row.get("dump"):
                        row["dump"] = self.dump
                    yield row_to_doc(self.checked_language(row), self.text_column, self.id_column)
        except (OSError, EOFError, UnicodeDecodeError, CuratorError) as e:
            self.network_failure(path, e)
            reason = "not_found" if isinstance(e, InputNotFound) else "unreadable"
            self.file_error(path, reason, f"{type(e).__name__}: {e}", 0)
