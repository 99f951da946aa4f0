"""A Hugging Face Hub look-alike on 127.0.0.1 for tests: the standard library's HTTP server answering
exactly the Hub API that `huggingface_hub.HfFileSystem` (2.4) calls to list and read `hf://` paths.

Why an emulator: hf:// input cannot be tested against the real Hub (no network in tests), and a mock
of HfFileSystem would test nothing of what breaks in practice (pagination, redirects, ranges, error
headers, tokens). The endpoints, as huggingface_hub calls them:
- `GET /api/{type}s/{repo}[/revision/{rev}]`: repo info (`repo_info`: does the repo/revision exist);
- `GET /api/{type}s/{repo}/tree/{rev}[/{path}]?recursive=&expand=`: a listing, paginated by a
  `Link: <...>; rel="next"` header (cursor-based, `page_size` entries a page);
- `POST /api/{type}s/{repo}/paths-info/{rev}` (form `paths=...`): info of named paths;
- `GET|HEAD /[{type}s/]{repo}/resolve/{rev}/{path}`: the file, with `X-Repo-Commit`, `ETag` and
  Range support; LFS files (Parquet, WARC) answer 302 to a signed CDN URL on this server
  (`X-Linked-Size`, `X-Linked-Etag`), as the Hub does.
Errors carry the Hub's `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), and
the Hub's quirks: a missing or private repository is 401 without a token and 404 with one; a gated
repository lists its files to anyone and serves them only with a granted token; an unknown token is
401 "Invalid credentials in Authorization header". Files are served from where they are.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

RANGE = re.compile(r"bytes=(\d*)-(\d*)")
LFS_SUFFIXES = (".parquet", ".gz", ".warc", ".arrow", ".zst")
TYPE_PREFIXES = {"datasets": "dataset", "spaces": "space"}


@dataclass
class HubRepo:
    """A repository: branch name -> {path in repo -> local file or bytes}; "main" is the default."""

    repo_id: str
    branches: dict[str, dict[str, Path | bytes]]
    repo_type: str = "dataset"
    gated: bool = False  # files served only to a request with the server's token
    private: bool = False  # invisible (as if missing) without the server's token

    def commit(self, branch: str) -> str:
        files = self.branches[branch]
        return hashlib.sha1(f"{self.repo_id}@{branch}:{sorted(files)}".encode()).hexdigest()


def _content(body: Path | bytes) -> bytes:
    return body if isinstance(body, bytes) else body.read_bytes()


@dataclass
class HubServer:
    """`with HubServer([repo, ...], token="hf_...") as hub:` serves on hub.url (no trailing slash);
    `hub.requests` logs (method, path, Range, authorized) of every request."""

    repos: list[HubRepo]
    token: str | None = None
    page_size: int = 3  # entries per tree page: small, so that listings paginate
    requests: list[tuple[str, str, str | None, bool]] = field(default_factory=list)

    def __post_init__(self):
        self.by_id = {(r.repo_type, r.repo_id): r for r in self.repos}
        self._hashes: dict[tuple[int, str], tuple[str, str]] = {}
        self.lock = threading.Lock()
        # the Hub, and its CDN on another origin (a redirect there is not followed by a HEAD, and
        # httpx does not forward the Authorization header to it)
        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), self._handler()) for _ in range(2)]
        for s in self.servers:
            s.daemon_threads = True
        self.url, self.cdn_url = (f"http://127.0.0.1:{s.server_address[1]}" for s in self.servers)

    def __enter__(self) -> HubServer:
        for s in self.servers:
            threading.Thread(target=s.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        for s in self.servers:
            s.shutdown()
            s.server_close()

    # ------------------------------------------------------------------------------ repo model

    def hashes(self, body: Path | bytes) -> tuple[str, str]:
        """(git blob sha1, sha256) of a file, computed once."""
        key = (id(body), str(body) if isinstance(body, Path) else "")
        with self.lock:
            if key not in self._hashes:
                data = _content(body)
                blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                self._hashes[key] = (blob, hashlib.sha256(data).hexdigest())
            return self._hashes[key]

    @staticmethod
    def size(body: Path | bytes) -> int:
        return len(body) if isinstance(body, bytes) else body.stat().st_size

    @staticmethod
    def is_lfs(path: str) -> bool:
        return path.endswith(LFS_SUFFIXES)

    def entry(self, path: str, files: dict[str, Path | bytes]) -> dict:
        """One tree / paths-info entry, shaped as the Hub's JSON."""
        if path in files:
            blob, sha256 = self.hashes(files[path])
            out = {"type": "file", "oid": blob, "size": self.size(files[path]), "path": path}
            if self.is_lfs(path):
                out["lfs"] = {"oid": sha256, "size": out["size"], "pointerSize": 134}
            return out
        tree = hashlib.sha1(f"tree:{path}:{sorted(p for p in files if p.startswith(path + '/'))}".encode())
        return {"type": "directory", "oid": tree.hexdigest(), "size": 0, "path": path}

    @staticmethod
    def folders(files: dict[str, Path | bytes]) -> set[str]:
        out = set()
        for p in files:
            parts = p.split("/")[:-1]
            out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return out

    def listing(self, files: dict[str, Path | bytes], folder: str, recursive: bool) -> list[dict] | None:
        """Entries below `folder` ("" = root), or None when it is not a folder."""
        folders = self.folders(files)
        if folder and folder not in folders:
            return None
        prefix = folder + "/" if folder else ""
        below = sorted(p for p in set(files) | folders if p.startswith(prefix) and p != folder)
        if not recursive:
            below = [p for p in below if "/" not in p[len(prefix) :]]
        # the Hub lists folders first ("tree first"), then files
        below.sort(key=lambda p: (p in files, p))
        return [self.entry(p, files) for p in below]

    # ------------------------------------------------------------------------------ handler

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            # -- answers
            def reply(self, status: int, body: bytes = b"", headers: dict | None = None, head=False):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body and not head:
                    self.wfile.write(body)

            def json(self, data, headers: dict | None = None):
                self.reply(
                    200, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
                )

            def error(self, status: int, code: str | None, message: str):
                headers = {"Content-Type": "application/json", "X-Error-Message": message}
                if code:
                    headers["X-Error-Code"] = code
                self.reply(status, json.dumps({"error": message}).encode(), headers, self.command == "HEAD")

            # -- auth and lookup
            def authorized(self) -> bool | None:
                """True: the server's token; False: none sent; None: an unknown token (refused)."""
                auth = self.headers.get("Authorization", "")
                if not auth:
                    return False
                return True if hub.token and auth == f"Bearer {hub.token}" else None

            def repo(self, repo_type: str, repo_id: str, auth: bool) -> HubRepo | None:
                repo = hub.by_id.get((repo_type, repo_id))
                if repo is None or (repo.private and not auth):
                    if auth:
                        self.error(404, "RepoNotFound", "Repository not found")
                    else:  # the Hub cannot tell "missing" from "private" to an anonymous caller
                        self.error(401, "RepoNotFound", "Invalid username or password.")
                    return None
                return repo

            def branch(self, repo: HubRepo, rev: str) -> str | None:
                for name in repo.branches:
                    if rev in (name, repo.commit(name)):
                        return name
                self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                return None

            def route(self):
                parts = urlsplit(self.path)
                segs = parts.path.lstrip("/").split("/")
                length = int(self.headers.get("Content-Length") or 0)
                self.form = (
                    parse_qs(self.rfile.read(length).decode()) if length else {}
                )  # read before answering
                auth = self.authorized()
                on_cdn = self.server is hub.servers[1]
                with hub.lock:
                    hub.requests.append(
                        (self.command, unquote(self.path), self.headers.get("Range"), bool(auth))
                    )
                if on_cdn:  # signed URLs: the CDN checks the signature, never a token
                    return self.cdn(segs[1:], parse_qs(parts.query))
                if auth is None:
                    return self.error(401, None, "Invalid credentials in Authorization header")
                if segs[0] == "api":
                    if len(segs) < 4 or segs[1] not in ("models", "datasets", "spaces"):
                        return self.error(404, None, "Not Found")
                    repo_type = segs[1][:-1]
                    repo = self.repo(repo_type, f"{segs[2]}/{segs[3]}", auth)
                    if repo is not None:
                        self.api(repo, segs[4:], parse_qs(parts.query), auth)
                    return
                repo_type = TYPE_PREFIXES.get(segs[0], "model")
                if repo_type != "model":
                    segs = segs[1:]
                if len(segs) >= 5 and segs[2] == "resolve":
                    repo = self.repo(repo_type, f"{segs[0]}/{segs[1]}", auth)
                    if repo is not None:
                        self.resolve(repo, unquote(segs[3]), unquote("/".join(segs[4:])), auth)
                    return
                self.error(404, None, "Not Found")

            def api(self, repo: HubRepo, rest: list[str], query: dict, auth: bool):
                if not rest or rest[0] == "revision":
                    name = self.branch(repo, unquote(rest[1]) if rest else "main")
                    if name is None:
                        return
                    files = repo.branches[name]
                    return self.json(
                        {
                            "_id": hashlib.md5(repo.repo_id.encode()).hexdigest()[:24],
                            "id": repo.repo_id,
                            "author": repo.repo_id.split("/")[0],
                            "sha": repo.commit(name),
                            "private": repo.private,
                            "gated": "auto" if repo.gated else False,
                            "disabled": False,
                            "tags": [],
                            "siblings": [{"rfilename": p} for p in sorted(files)],
                        }
                    )
                if rest[0] == "tree" and len(rest) >= 2:
                    name = self.branch(repo, unquote(rest[1]))
                    if name is None:
                        return
                    folder = unquote("/".join(rest[2:])).strip("/")
                    recursive = query.get("recursive", ["false"])[0].lower() == "true"
                    entries = hub.listing(repo.branches[name], folder, recursive)
                    if entries is None:
                        return self.error(404, "EntryNotFound", f'{folder} does not exist on "{name}"')
                    start = int(query.get("cursor", ["0"])[0])
                    page = entries[start : start + hub.page_size]
                    headers = {}
                    if start + hub.page_size < len(entries):
                        q = {k: v[0] for k, v in query.items()} | {"cursor": str(start + hub.page_size)}
                        nxt = f"{hub.url}{urlsplit(self.path).path}?{urlencode(q)}"
                        headers["Link"] = f'<{nxt}>; rel="next"'
                    return self.json(page, headers)
                if rest[0] == "paths-info" and len(rest) == 2 and self.command == "POST":
                    name = self.branch(repo, unquote(rest[1]))
                    if name is None:
                        return
                    form = self.form
                    files = repo.branches[name]
                    known = set(files) | hub.folders(files)
                    wanted = [p.strip("/") for p in form.get("paths", [])]
                    return self.json([hub.entry(p, files) for p in wanted if p in known])
                self.error(404, None, "Not Found")

            def resolve(self, repo: HubRepo, rev: str, path: str, auth: bool):
                name = self.branch(repo, rev)
                if name is None:
                    return
                files = repo.branches[name]
                if path not in files:
                    return self.error(404, "EntryNotFound", f'{path} does not exist on "{name}"')
                if repo.gated and not auth:
                    kind = {"dataset": "dataset", "model": "model", "space": "space"}[repo.repo_type]
                    return self.error(
                        401,
                        "GatedRepo",
                        f"Access to {kind} {repo.repo_id} is restricted. You must have access to it and be "
                        "authenticated to access it. Please log in.",
                    )
                blob, sha256 = hub.hashes(files[path])
                common = {"X-Repo-Commit": repo.commit(name)}
                if hub.is_lfs(path):  # LFS: a redirect to a signed, content-addressed CDN URL
                    signed = urlencode(
                        {"Expires": "4102444800", "Signature": _signature(sha256), "Key-Pair-Id": "K"}
                    )
                    location = f"{hub.cdn_url}/cdn-lfs/{quote(repo.repo_id, safe='')}/{sha256}?{signed}"
                    headers = {
                        **common,
                        "Location": location,
                        "X-Linked-Size": str(hub.size(files[path])),
                        "X-Linked-Etag": f'"{sha256}"',
                        "ETag": f'"{blob}"',
                    }
                    return self.reply(302, b"", headers, self.command == "HEAD")
                self.send_file(files[path], {**common, "ETag": f'"{blob}"'})

            def cdn(self, segs: list[str], query: dict):
                sha256 = segs[-1] if segs else ""
                if query.get("Signature", [""])[0] != _signature(sha256):
                    return self.error(403, None, "Access Denied")
                for repo in hub.repos:
                    for files in repo.branches.values():
                        for path, body in files.items():
                            if hub.is_lfs(path) and hub.hashes(body)[1] == sha256:
                                return self.send_file(body, {"ETag": f'"{sha256}"'})
                self.error(404, None, "NoSuchKey")

            def send_file(self, body: Path | bytes, headers: dict):
                size = hub.size(body)
                start, end = 0, size - 1
                m = RANGE.fullmatch(self.headers.get("Range", "").strip())
                if m and size:
                    if m.group(1):
                        start = int(m.group(1))
                        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
                    else:
                        start = max(0, size - int(m.group(2)))
                    if start >= size:
                        return self.reply(
                            416, b"", {"Content-Range": f"bytes */{size}"}, self.command == "HEAD"
                        )
                self.send_response(206 if m else 200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(end - start + 1))
                if m:
                    self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                self.end_headers()
                if self.command == "HEAD":
                    return
                if isinstance(body, bytes):
                    self.wfile.write(body[start : end + 1])
                    return
                with open(body, "rb") as fh:
                    fh.seek(start)
                    left = end - start + 1
                    while left > 0 and (chunk := fh.read(min(left, 1 << 16))):
                        self.wfile.write(chunk)
                        left -= len(chunk)

            def do_GET(self):
                try:
                    self.route()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_HEAD = do_GET
            do_POST = do_GET

        return Handler


def _signature(sha256: str) -> str:
    return hashlib.sha256(f"cdn-secret:{sha256}".encode()).hexdigest()[:32]


# ------------------------------------------------------------------------------------- test data


def as_a_user(mp, tmp: Path) -> None:
    """huggingface_hub as a user has it: online, no token (HF_TOKEN unset, no stored token), whatever
    the rest of the test session set (tests/report sets HF_HUB_OFFLINE). `mp`: a pytest MonkeyPatch."""
    import huggingface_hub.constants as hf_constants

    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        mp.delenv(var, raising=False)
    mp.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    mp.setattr(hf_constants, "HF_TOKEN_PATH", str(tmp / "no-token"))


def parquet_shards(sample_warcs: list[Path], folder: Path, rows_per_shard: int = 20) -> dict[str, Path]:
    """Parquet shards laid out as Hub datasets are (`data/<config>/train-0000i-of-0000n.parquet`), made
    from curator's own output: an extract run over real WARC files, its rows split by source file and into
    shards of `rows_per_shard` (small row groups, so that a reader seeks). Path in repo -> local file."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
    import yaml

    from curator.config import load_config
    from curator.exec.run import run

    config = folder / "make-shards.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "hub-shards",
                "input": {"format": "warc", "paths": [str(p) for p in sample_warcs]},
                "output": str(folder / "run"),
                "executor": {"tasks": 1, "workers": 1},
                "report": False,
                "stages": [{"extract": {"engine": "resiliparse"}}],
            }
        )
    )
    run(load_config(config))
    table = ds.dataset(folder / "run" / "data", format="parquet").to_table().sort_by("id")
    out: dict[str, Path] = {}
    for source in sorted(set(table.column("source_file").to_pylist())):
        rows = table.filter(ds.field("source_file") == source)
        config = Path(source).name.split(".")[0]  # one config per source WARC
        n = max(1, -(-rows.num_rows // rows_per_shard))
        for i in range(n):
            name = f"data/{config}/train-{i:05d}-of-{n:05d}.parquet"
            local = folder / "shards" / name
            local.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(rows.slice(i * rows_per_shard, rows_per_shard), local, row_group_size=5)
            out[name] = local
    return out
