"""Inputs where they live: local paths or URLs (s3://, https://, http://, hf://, file://), read through
fsspec (datatrove's `get_fs_with_filepath` / `get_datafolder`) as a stream, front to back.

Why a module of its own: a Common Crawl dump is ~90,000 files of ~1 GB on S3 or behind HTTPS, and
the network fails in ways a local disk does not. The rules, in one place:
- a **transient** failure (connection reset or dropped mid-file, timeout, HTTP 5xx/408/429, S3
  throttling) is retried with exponential backoff and jitter, resuming at the byte offset already
  read (a Range request; a server without ranges is re-read and the head skipped), every retry
  counted (`retries/<reason>`);
- when the attempts are spent, or access is refused (credentials), `InputReadError` is raised and
  **the task fails**: a rerun retries the file. A network failure must never end as a counted skip
  while the task completes, because that silently loses the file's documents;
- a file that does not exist (`InputNotFound`) is the caller's to count as `file_error/not_found`,
  like a malformed file: rerunning would not bring it back, and `validate` reports it beforehand.
Nothing secret is written: URLs are shown without user info or signed query parameters, and storage
options travel wrapped so that datatrove's executor.json shows only their key names.

hf:// (Hugging Face Hub repositories, through huggingface_hub's HfFileSystem) follows the same rules;
its errors arrive as huggingface_hub's HTTP errors (an httpx response, often wrapped in the
FileNotFoundError HfFileSystem raises), which `classify` reads like the others. The Hub lists a gated
repository's files to anyone but serves them only with a token granted access, so `probe` reads one
file header per repository and revision: "set HF_TOKEN" is said before any work, not by every task.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import random
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from curator.core.errors import CuratorError

URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
GLOB_CHARS = re.compile(r"[*?\[]")
SECRET_KEY = re.compile(
    r"secret|token|password|passwd|signature|credential|session|private|authorization|cookie|key$|^key", re.I
)
# Common Crawl publishes each dump under crawl-data/<dump>/ on both; the listing is <format>.paths.gz
COMMONCRAWL_BASES = {"s3": "s3://commoncrawl/", "https": "https://data.commoncrawl.org/"}
HTTP_TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
S3_TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "503",
    "500",
}
READ_BLOCK = 8 * 1024 * 1024  # range size for seekable remote files (S3, hf): the per-task buffer


class InputReadError(CuratorError):
    """A remote input could not be read (attempts spent, or access refused): the task fails."""


class InputNotFound(CuratorError):
    """A remote input does not exist: counted as file_error/not_found by the reader."""


# --------------------------------------------------------------------------------------------- URLs


def scheme(path: str) -> str | None:
    m = URL_SCHEME.match(path)
    return m.group(1).lower() if m else None


def is_remote(path: str) -> bool:
    """A URL other than file:// (read through fsspec, with retries)."""
    s = scheme(path)
    return s is not None and s not in ("file", "local")


def local_path(path: str) -> str:
    """file:///x -> /x; anything else unchanged."""
    return path[len("file://") :] if path.lower().startswith("file://") else path


EMBEDDED_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def _redact_one(url: str) -> str:
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    secret = [SECRET_KEY.search(k) is not None or k.lower().startswith("x-amz-") for k, _ in pairs]
    if "@" not in parts.netloc and not any(secret):
        return url
    query = urlencode([(k, "***" if s else v) for (k, v), s in zip(pairs, secret, strict=True)], safe="*")
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, query, parts.fragment))


def redact(text: str) -> str:
    """A URL (or a message holding URLs) without user info or secret-looking query parameters
    (pre-signed URLs): what logs, run.json and the source_file column may show."""
    if "://" not in text:
        return text
    return EMBEDDED_URL.sub(lambda m: _redact_one(m.group(0)) if is_remote(m.group(0)) else m.group(0), text)


def redact_options(options: dict) -> dict:
    """storage_options as they may be shown: secret-looking values replaced by '***'."""
    out = {}
    for k, v in options.items():
        if isinstance(v, dict):
            out[k] = redact_options(v)
        elif SECRET_KEY.search(str(k)) and v not in (None, "", False):
            out[k] = "***"
        else:
            out[k] = v
    return out


class StorageOptions:
    """fsspec storage options carried by a pipeline step. Not a dict and not a dataclass on purpose:
    datatrove's executor.json serialises unknown objects with str(), which shows key names only."""

    def __init__(self, options: dict | None = None):
        self.options = dict(options or {})

    def __str__(self) -> str:
        return f"StorageOptions({', '.join(sorted(self.options)) or 'none'})"

    __repr__ = __str__


# ------------------------------------------------------------------------------------ retry policy


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8  # consecutive failed attempts at one position; progress resets the count
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    timeout_s: float = 60.0  # connect / read silence before a request counts as failed

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with equal jitter: half fixed, half random, so tasks that failed
        together (a throttled bucket) do not retry together."""
        cap = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return cap / 2 + rng.uniform(0, cap / 2)


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify(exc: BaseException) -> tuple[str, bool]:
    """(reason, transient) of a failed remote operation. The cause chain is read first, because
    fsspec reports an HTTP 503 on HEAD+GET as FileNotFoundError raised *from* the 503."""
    for e in _chain(exc):
        status = getattr(e, "status", None)  # aiohttp.ClientResponseError
        if status is None:  # huggingface_hub's HfHubHTTPError (GatedRepoError, RepositoryNotFoundError...)
            status = getattr(getattr(e, "response", None), "status_code", None)
        if type(e).__name__ == "OfflineModeIsEnabled":  # a ConnectionError, but retrying cannot help
            return "offline", False
        if isinstance(status, int) and status >= 400:
            # the Hub answers 401 to an anonymous request for a gated, private *or missing* repository
            if status in HTTP_TRANSIENT or status >= 500:
                return f"http_{status}", True
            if status in (404, 410):
                return "not_found", False
            if status in (401, 403):
                return "forbidden", False
            return f"http_{status}", False
        response = getattr(e, "response", None)
        if isinstance(response, dict) and "Error" in response:  # botocore ClientError
            code = str(response["Error"].get("Code", ""))
            if code in S3_TRANSIENT_CODES:
                return "throttled" if "Slow" in code or "Throttl" in code else f"s3_{code}", True
            if code in ("NoSuchKey", "NoSuchBucket", "404"):
                return "not_found", False
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return "forbidden", False
        name = type(e).__name__
        if isinstance(e, asyncio.TimeoutError | TimeoutError) or "Timeout" in name:
            return "timeout", True
        if name in (
            "ClientPayloadError",
            "ServerDisconnectedError",
            "ClientOSError",
            "ClientConnectorError",
            "ClientConnectionError",
            "ContentLengthError",
            "TransferEncodingError",
            "EndpointConnectionError",
            "ConnectionClosedError",
            "IncompleteRead",
            "ProtocolError",
        ) or isinstance(e, ConnectionError | TruncatedStream):
            return "connection", True
        if "SlowDown" in str(e) or "reduce your request rate" in str(e):
            return "throttled", True
    if isinstance(exc, FileNotFoundError):
        return "not_found", False
    if isinstance(exc, PermissionError):
        return "forbidden", False
    if isinstance(exc, IsADirectoryError | NotADirectoryError):
        return "not_a_file", False
    if isinstance(exc, OSError):  # s3fs turns unknown S3 errors into OSError(EIO)
        return "io_error", True
    return type(exc).__name__, False


class TruncatedStream(ConnectionError):
    """The server ended the body before the length it announced (a dropped connection)."""


def what_to_do(reason: str, url: str = "") -> str:
    if reason == "offline":
        return "huggingface_hub is in offline mode: unset HF_HUB_OFFLINE (and TRANSFORMERS_OFFLINE)"
    if reason == "forbidden" and scheme(url) == "hf":
        return (
            "set HF_TOKEN (or input.storage_options.token) to a token of an account with access "
            "(for a gated dataset, accept its conditions on its Hub page first)"
        )
    if reason == "forbidden":
        return (
            "check the credentials (AWS_* environment, ~/.aws, or input.storage_options; "
            "anon: true for public buckets)"
        )
    return "rerun the same command when the source is reachable again: finished tasks are kept"


def _hub_detail(exc: BaseException) -> str:
    """What the Hub said ("revision not found", "gated repository"...), for messages; "" otherwise."""
    for e in _chain(exc):
        name = type(e).__name__
        status = getattr(getattr(e, "response", None), "status_code", None)
        if name == "GatedRepoError":
            return " (gated repository)"
        if name == "RevisionNotFoundError":
            return " (revision not found: check what follows @ in the URL)"
        if name == "RepositoryNotFoundError" and status == 401:
            return (
                " (repository not found, private or gated: the Hub does not say which without a token; "
                "check the repository id)"
            )
        if name == "RepositoryNotFoundError":
            return " (repository not found: check the repository id and its type, hf://datasets/<org>/<name>/...)"
        if status == 401 and "Invalid credentials" in str(e):
            return " (the Hub refused the token: invalid credentials)"
    return ""


# --------------------------------------------------------------------------------------- file system


def _fs(url: str, options: dict, timeout_s: float | None = None):
    """(fs, path) for a URL, via datatrove's helper, with timeouts when the options set none."""
    from datatrove.io import get_fs_with_filepath

    opts = dict(options)
    s = scheme(url)
    if timeout_s is not None and s in ("http", "https"):
        import aiohttp

        client = dict(opts.get("client_kwargs") or {})
        client.setdefault(
            "timeout", aiohttp.ClientTimeout(total=None, sock_connect=timeout_s, sock_read=timeout_s)
        )
        opts["client_kwargs"] = client
    elif timeout_s is not None and s in ("s3", "s3a"):
        config = dict(opts.get("config_kwargs") or {})
        config.setdefault("connect_timeout", timeout_s)
        config.setdefault("read_timeout", timeout_s)
        opts["config_kwargs"] = config
    return get_fs_with_filepath((url, opts))


class RemoteStream(io.RawIOBase):
    """A remote file read front to back, resuming where it broke off.

    HTTP(S) is one streaming GET (a Range request from the byte offset after a failure), parsed as
    it arrives; other file systems (S3, hf) are read in `READ_BLOCK` ranges. Memory is one block at
    most, whatever the file's size. `failure` keeps the error that made the read give up, so a
    caller whose parser wraps exceptions can still tell a network failure from a malformed file.
    """

    def __init__(
        self,
        url: str,
        options: dict | None = None,
        policy: RetryPolicy | None = None,
        on_retry: Callable[[str], None] | None = None,
        seed: int | None = None,
    ):
        super().__init__()
        self.url = url
        self.options = dict(options or {})
        self.policy = policy or RetryPolicy()
        self.on_retry = on_retry
        self.pos = 0
        self.size: int | None = None
        self.retries = 0
        self.failure: CuratorError | None = None
        self._f = None
        self._rng = random.Random(seed)
        self._http = scheme(url) in ("http", "https")

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def _open(self) -> None:
        fs, path = _fs(self.url, self.options, self.policy.timeout_s)
        if self._http:
            headers = {"Range": f"bytes={self.pos}-"} if self.pos else {}
            # size=-1: no HEAD first; block_size=0: one streaming GET (fsspec's HTTPStreamFile)
            f = fs.open(path, "rb", block_size=0, size=-1, headers=headers)
            response = f.r
            if self.pos and response.status == 200:  # the server ignored Range: skip what we have
                skip = self.pos
                while skip:
                    chunk = f.read(min(skip, 1 << 20))
                    if not chunk:
                        raise TruncatedStream(f"stream ended while skipping to byte {self.pos}")
                    skip -= len(chunk)
            total = response.headers.get("Content-Range", "").rsplit("/", 1)[-1]
            length = response.headers.get("Content-Length")
            if total.isdigit():
                self.size = int(total)
            elif length and length.isdigit():
                self.size = int(length) + (self.pos if response.status == 206 else 0)
        else:
            f = fs.open(path, "rb", block_size=READ_BLOCK, cache_type="readahead")
            if self.pos:
                f.seek(self.pos)
            self.size = getattr(f, "size", None)
        self._f = f

    def _drop(self) -> None:
        f, self._f = self._f, None
        if f is not None:
            try:
                f.close()
            except Exception:
                pass

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size is None or size < 0 else size
        attempt = 0
        while True:
            try:
                if self._f is None:
                    self._open()
                data = self._f.read(size)
                if not data and size and self.size is not None and self.pos < self.size:
                    raise TruncatedStream(f"stream ended at byte {self.pos:,} of {self.size:,}")
                self.pos += len(data)
                return data
            except Exception as e:
                self._drop()
                reason, transient = classify(e)
                shown = redact(self.url)
                if reason == "not_found":
                    raise InputNotFound(f"{shown}: not found") from e
                attempt += 1
                if not transient or attempt >= self.policy.attempts:
                    what = f"{reason}: {type(e).__name__}: {redact(str(e))[:300]}"
                    tries = f"after {attempt} attempts" if transient else "(not retried)"
                    self.failure = InputReadError(
                        f"{shown}: reading failed at byte {self.pos:,} {tries}: {what}. The task fails so that "
                        f"the file is not lost; {what_to_do(reason, self.url)}"
                    )
                    raise self.failure from e
                self.retries += 1
                if self.on_retry is not None:
                    self.on_retry(reason)
                delay = self.policy.delay(attempt, self._rng)
                from datatrove.utils.logging import logger

                logger.warning(
                    f"{shown}: {reason} at byte {self.pos:,} (attempt {attempt}/{self.policy.attempts}); "
                    f"retrying in {delay:.1f} s from there"
                )
                time.sleep(delay)

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._drop()
        super().close()


def open_text_lines(url: str, options: dict, policy: RetryPolicy) -> io.TextIOBase:
    """A (possibly .gz/.bz2/.zst) text file, local or remote, as a line iterator: remote ones
    through RemoteStream, so a listing or JSONL read gets the same retries as a WARC."""
    raw: io.RawIOBase = RemoteStream(url, options, policy) if is_remote(url) else open(local_path(url), "rb")
    buffered = io.BufferedReader(raw, 1 << 20)
    name = urlsplit(url).path if is_remote(url) else url
    if name.endswith(".gz"):
        stream = gzip.GzipFile(fileobj=buffered)
    elif name.endswith(".zst"):
        import zstandard

        stream = zstandard.ZstdDecompressor().stream_reader(buffered)
    elif name.endswith(".bz2"):
        import bz2

        stream = bz2.BZ2File(buffered)
    else:
        stream = buffered
    return io.TextIOWrapper(stream, encoding="utf-8")


# ---------------------------------------------------------------------------- input list expansion


@dataclass
class InputFile:
    path: str  # local path or URL, as read
    size: int | None  # bytes, when known (local files, globbed remote files, probed ones)
    key: str  # where the config names it: input.paths[0], input.paths_from line 17...


def glob_remote(pattern: str, options: dict, timeout_s: float) -> list[InputFile]:
    """Files matching a URL glob, listed with datatrove's DataFolder (one listing, sizes included)."""
    from datatrove.io import DataFolder

    magic = GLOB_CHARS.search(pattern)
    if scheme(pattern) in ("http", "https"):
        raise ValueError("an http(s) server cannot list files: name them, or use input.paths_from")
    root = pattern[: pattern.rfind("/", 0, magic.start())]
    fs, _ = _fs(root, options, timeout_s)
    folder = DataFolder(root, fs=fs)
    rel = pattern[len(root) + 1 :]
    try:
        found = folder.glob(rel, detail=True)
    except Exception as e:  # a listing refused or of nothing: say why, and what to do
        reason, _ = classify(e)
        if reason == "not_found":
            raise InputNotFound(f"not found{_hub_detail(e)}") from e
        if reason in ("forbidden", "offline"):
            raise InputReadError(f"access denied{_hub_detail(e)}; {what_to_do(reason, pattern)}") from e
        raise
    return [
        InputFile(folder.resolve_paths(name), info.get("size"), "")
        for name, info in sorted(found.items())
        if info.get("type") != "directory"
    ]


def parse_select(select: str | None, n: int) -> slice:
    if not select:
        return slice(None)
    parts = [int(p) if p.strip() else None for p in select.split(":")]
    return slice(*parts) if len(parts) > 1 else slice(parts[0], parts[0] + 1)


def read_listing(url: str, options: dict, policy: RetryPolicy) -> list[tuple[int, str]]:
    """(line number, entry) of every non-empty, non-comment line of a listing file."""
    with open_text_lines(url, options, policy) as f:
        return [(i, s) for i, line in enumerate(f, 1) if (s := line.strip()) and not s.startswith("#")]


def join_base(base: str, entry: str) -> str:
    return entry if scheme(entry) or entry.startswith("/") else base.rstrip("/") + "/" + entry.lstrip("/")


# ------------------------------------------------------------------------------- checks and sizes


def probe(
    files: list[InputFile], options: dict, timeout_s: float, limit: int = 1000, threads: int = 16
) -> tuple[list[str], int]:
    """Check that remote inputs without a known size exist (HEAD / object info, short timeout) and
    fill in their sizes. At most `limit` of them, spread evenly over the list (a dump has ~90,000
    files: all of them would take minutes); then, for hf://, that each repository serves its files
    (`_hub_access`). Returns (problems naming the config key, files probed)."""
    todo = [f for f in files if f.size is None and is_remote(f.path)]
    if len(todo) > limit:
        step = len(todo) / limit
        todo = [todo[int(i * step)] for i in range(limit)]

    def one(f: InputFile) -> str | None:
        try:
            fs, path = _fs(f.path, options, timeout_s)
            info = fs.info(path)
            if info.get("type") == "directory":
                return f"{f.key}: {redact(f.path)} is a folder, not a file"
            f.size = info.get("size")
            return None
        except Exception as e:
            return _problem(f, e, timeout_s)

    with ThreadPoolExecutor(max_workers=min(threads, max(1, len(todo)))) as pool:
        found = list(pool.map(one, todo))
    problems = [p for p in found if p]
    failed = {f.path for f, p in zip(todo, found, strict=True) if p}
    problems += _hub_access([f for f in files if f.path not in failed], options, timeout_s)
    return problems, len(todo)


def _problem(f: InputFile, e: Exception, timeout_s: float) -> str:
    """The line `validate` prints for an input that failed its check."""
    reason, _ = classify(e)
    if reason == "not_found":
        detail = _hub_detail(e) or " (check the URL, base and listing entry)"
        return f"{f.key}: {redact(f.path)}: not found{detail}"
    if reason in ("forbidden", "offline"):
        return f"{f.key}: {redact(f.path)}: access denied{_hub_detail(e)}; {what_to_do(reason, f.path)}"
    cause = next((c for c in _chain(e) if not isinstance(c, FileNotFoundError)), e)
    return (
        f"{f.key}: {redact(f.path)}: unreachable ({reason}: {type(cause).__name__}: "
        f"{redact(str(cause))[:200]}; timeout {timeout_s:g} s)"
    )


def _hub_access(files: list[InputFile], options: dict, timeout_s: float) -> list[str]:
    """hf:// inputs: read one file's header (a HEAD of its /resolve/ URL) per repository and revision.
    Listing and info answer for a gated repository without a token, so without this check every task
    would fail on its first read instead of `validate` saying "set HF_TOKEN" once."""
    first: dict[tuple, InputFile] = {}
    for f in files:
        if scheme(f.path) != "hf":
            continue
        from huggingface_hub.utils import parse_hf_uri

        try:
            uri = parse_hf_uri(f.path)
            key = (uri.type, uri.id, uri.revision)
        except Exception:  # not a repository URL HfFileSystem knows: its reads will say so
            key = (f.path,)
        first.setdefault(key, f)
    problems = []
    for f in first.values():
        from huggingface_hub import get_hf_file_metadata

        try:
            fs, path = _fs(f.path, options, timeout_s)
            get_hf_file_metadata(fs.url(path), token=fs.token, endpoint=fs.endpoint, timeout=timeout_s)
        except Exception as e:
            problems.append(_problem(f, e, timeout_s))
    return problems


def total_bytes(files: list[InputFile]) -> tuple[int, bool]:
    """(total bytes, exact): estimated from the files of known size when some are unknown."""
    known = [f.size for f in files if f.size is not None]
    if not known:
        return 0, not files
    if len(known) == len(files):
        return sum(known), True
    return round(sum(known) / len(known) * len(files)), False
