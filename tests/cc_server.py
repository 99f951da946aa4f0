"""A Common Crawl look-alike on 127.0.0.1 for tests and benchmarks: the standard library's HTTP
server with Range support, serving real WARC files under `crawl-data/<dump>/segments/<segment>/warc/`
plus a `<dump>/warc.paths.gz` listing per dump, and optional faults (seeded 503/429 answers,
connections dropped mid-file, files that never succeed, servers that ignore Range).

The files are served from where they are (../shared/data): nothing is copied.
"""

from __future__ import annotations

import gzip
import random
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def cc_tree(shared_data: Path, bench: bool = False) -> dict[str, Path]:
    """URL path -> local file: the real Common Crawl samples (and the bench WARC) where CC puts them."""
    warc = shared_data / "warc"
    tree = {
        "crawl-data/CC-MAIN-2020-34/segments/1596439737050.56/warc/"
        "CC-MAIN-20200808165417-20200808195417-00395.warc.gz": warc / "cc-main-2020-34-excerpt.warc.gz",
        "crawl-data/CC-MAIN-2024-22/segments/1715971057216.39/warc/"
        "CC-MAIN-20240517233122-20240518023122-00000.warc.gz": warc / "cc-main-2024-22-whirlwind.warc.gz",
    }
    if bench:
        tree["crawl-data/CC-MAIN-2024-22/segments/1715971057216.39/warc/CC-MAIN-bench-00001.warc.gz"] = (
            shared_data / "bench" / "real-pages.warc.gz"
        )
    return tree


def listings(tree: dict[str, Path]) -> dict[str, bytes]:
    """crawl-data/<dump>/warc.paths.gz for every dump of the tree (entries relative to the bucket)."""
    per_dump: dict[str, list[str]] = {}
    for path in sorted(tree):
        per_dump.setdefault(path.split("/")[1], []).append(path)
    return {
        f"crawl-data/{dump}/warc.paths.gz": gzip.compress(("\n".join(paths) + "\n").encode(), mtime=0)
        for dump, paths in per_dump.items()
    }


@dataclass
class Faults:
    """What goes wrong, decided by a seeded generator (same faults for the same requests)."""

    seed: int = 0
    error_rate: float = 0.0  # share of GETs answered 503 or 429
    drop_rate: float = 0.0  # share of GETs whose connection is cut part-way through the body
    never: set[str] = field(default_factory=set)  # URL paths always answered 503
    never_head_ok: bool = False  # ...but HEAD answers (the existence check passes, downloads fail)
    ignore_range: bool = False  # answer 200 with the whole file to Range requests
    errors: int = 0  # counters of the faults served
    drops: int = 0
    requests: int = 0

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()


class CCServer:
    """`with CCServer(tree) as s:` serves on http://127.0.0.1:<port>/ (s.url)."""

    def __init__(
        self, tree: dict[str, Path], faults: Faults | None = None, extra: dict[str, bytes] | None = None
    ):
        self.tree = dict(tree)
        self.blobs = {**listings(self.tree), **(extra or {})}
        self.faults = faults or Faults()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _body(self) -> bytes | Path | None:
                path = self.path.split("?", 1)[0].lstrip("/")
                if path in server.blobs:
                    return server.blobs[path]
                return server.tree.get(path)

            def _send(self, head_only: bool):
                f = server.faults
                path = self.path.split("?", 1)[0].lstrip("/")
                with f.lock:
                    f.requests += 1
                    never = path in f.never and not (head_only and f.never_head_ok)
                    fail = never or (not head_only and f.rng.random() < f.error_rate)
                    status = f.rng.choice([503, 429]) if fail and path not in f.never else 503
                    drop = not fail and not head_only and f.rng.random() < f.drop_rate
                    cut = f.rng.random()
                    if fail:
                        f.errors += 1
                    if drop:
                        f.drops += 1
                if fail:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                body = self._body()
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = body if isinstance(body, bytes) else None
                size = len(data) if data is not None else body.stat().st_size
                start, end = 0, size - 1
                m = RANGE.fullmatch(self.headers.get("Range", "").strip())
                partial = m is not None and not f.ignore_range and size > 0
                if partial:
                    if m.group(1):
                        start = int(m.group(1))
                        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
                    else:  # suffix range: the last N bytes
                        start = max(0, size - int(m.group(2)))
                    if start >= size:
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(206 if partial else 200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Accept-Ranges", "none" if f.ignore_range else "bytes")
                self.send_header("Content-Length", str(end - start + 1))
                if partial:
                    self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                self.end_headers()
                if head_only:
                    return
                length = end - start + 1
                limit = int(length * cut) if drop else length
                if data is not None:
                    self.wfile.write(data[start : start + limit])
                else:
                    with open(body, "rb") as fh:
                        fh.seek(start)
                        left = limit
                        while left > 0:
                            chunk = fh.read(min(left, 1 << 16))
                            if not chunk:
                                break
                            self.wfile.write(chunk)
                            left -= len(chunk)
                if drop:
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)

            def do_HEAD(self):
                self._send(head_only=True)

            def do_GET(self):
                try:
                    self._send(head_only=False)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CCServer:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
