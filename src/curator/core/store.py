"""A run's output on an object store (`output: s3://bucket/run`), with the guarantees of a local run:
nothing partial is ever visible, completion markers come last, and a killed run resumes.

Why a working copy: every stage, the report and resume read and write a local folder through
atomic renames, which an object store does not have. So the run happens, exactly as with a local
output, in a local *staging* folder (`output_store.staging`), and the store receives finished files:
- a file is uploaded only once it is whole (the writers rename finished files into place; temp files
  are hidden and never uploaded), with one PUT, or a multipart upload that S3 shows only when it is
  completed (s3fs aborts it on failure): an object is whole or absent;
- each task uploads what it wrote (the files changed since it started), then its stats and log, and
  its completion marker **last**: a marker in the store means the task's outputs are there. A note
  per sent file (STAGING/.store-sent/, written after the upload completed) keeps tasks running side
  by side from sending each other's files again;
- at the end the parent uploads the side files (stats/, report, README card, mix.json, logs) and
  run.json last, with its status `done`;
- a rerun first reconciles the staging folder with the store (`pull`): objects missing locally are
  downloaded (a run moved to another machine), and local markers the store lacks are deleted, so
  their tasks run again and rewrite the same deterministic file names: no loss, no duplicate.
Transient store errors are retried like remote inputs (core.remote); what remains names the job, task,
object key and what to do. Credentials are never written: the staging folder's note and run.json show
storage options redacted.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from curator.core.atomic import atomic_path, write_text_atomic
from curator.core.errors import CuratorError
from curator.core.remote import (
    RetryPolicy,
    StorageOptions,
    _fs,
    classify,
    redact,
    redact_options,
    what_to_do,
)

STAGING_NOTE = ".curator-staging.json"  # in the staging folder: which store it is a working copy of
SENT = ".store-sent"  # STAGING/.store-sent/<rel>: "<size> <mtime_ns>" of the version of <rel> in the store
MARKERS = "completions"  # datatrove's logs/<job>/completions/<rank>
TASK_FILES = ("completions", "progress", "logs", "stats", "slurm_logs")  # under logs/<job>/: per task
# written by the run's own process (between jobs, at the end), never by a task: sent by push_all only
PARENT_FILES = ("run.json", "stats", "README.md", "report.html")
CLOCK_MARGIN_S = 2.0  # file times vs the task's start: coarse kernel clocks, NFS servers


class StoreError(CuratorError):
    """The output store refused or failed an operation; the message names the key and what to do."""


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def _is_marker(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) == 4 and parts[0] == "logs" and parts[2] == MARKERS


class RunStore:
    """The object-store home of a run and its local working copy. Picklable (Slurm tasks receive it
    with their executor) and shown by `str()` without credentials (datatrove's executor.json)."""

    def __init__(
        self, url: str, options: dict | None, staging: str | Path, policy: RetryPolicy | None = None
    ):
        self.url = url.rstrip("/")
        self.options = StorageOptions(options)
        self.staging = Path(staging)
        self.policy = policy or RetryPolicy(attempts=6, backoff_s=1.0, max_backoff_s=30.0, timeout_s=60.0)
        self._fs = None
        self._pid = os.getpid()
        self._root = ""

    def __str__(self) -> str:
        return f"RunStore({redact(self.url)}, staging {self.staging}, {self.options})"

    __repr__ = __str__

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_fs"] = None  # a file system client holds sockets and a loop: each process makes its own
        return state

    # --- the file system -------------------------------------------------------------------------

    @property
    def fs(self):
        if self._fs is None or self._pid != os.getpid():  # a forked task makes its own client
            self._pid = os.getpid()
            self._fs, self._root = _fs(self.url, self.options.options, self.policy.timeout_s)
            self._root = self._root.rstrip("/")
        return self._fs

    def key(self, rel: str) -> str:
        """The URL of an object of the run, as messages show it."""
        return redact(f"{self.url}/{rel}")

    def _path(self, rel: str) -> str:
        self.fs  # noqa: B018  (sets _root)
        return f"{self._root}/{rel}" if rel else self._root

    def _call(self, what: str, rel: str, fn: Callable, *args, context: str = "", **kwargs):
        """fn(*args) with the transient failures retried (backoff with jitter); a failure that stays
        becomes a StoreError naming the operation, the object and what to do."""
        rng = random.Random()
        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as e:
                reason, transient = classify(e)
                attempt += 1
                if transient and attempt < self.policy.attempts:
                    time.sleep(self.policy.delay(attempt, rng))
                    continue
                raise StoreError(
                    f"{context}{what} {self.key(rel)} failed ({reason}: {type(e).__name__}: "
                    f"{redact(str(e))[:300]}); {self._advice(reason)}"
                ) from e

    @property
    def bucket(self) -> str:
        return self.url.split("://", 1)[-1].split("/", 1)[0]

    def _advice(self, reason: str) -> str:
        if reason == "forbidden":
            return what_to_do(reason).replace("input.storage_options", "output_store.storage_options")
        if reason == "not_found":
            return f"check that the bucket '{self.bucket}' exists (create it, or fix `output`)"
        return "rerun the same command when the store is reachable again: finished tasks are kept"

    # --- checks ----------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Problems that would stop the run, found before any work (validate, plan, run): the bucket
        is missing, credentials are refused, the endpoint does not answer, or it cannot be written."""
        shown = redact(self.url)
        try:
            fs = self.fs
            # one small object written and deleted: a missing bucket, refused credentials and an
            # endpoint that does not answer each fail it (a HEAD of the bucket would not show a read-only key)
            probe = self._path(f".curator-write-test-{os.getpid()}")
            fs.pipe_file(probe, b"")
            fs.rm_file(probe)
        except Exception as e:
            reason, _ = classify(e)
            if reason == "not_found":
                return [
                    f"output: {shown}: the bucket '{self.bucket}' does not exist; create it or fix `output`"
                ]
            if reason == "forbidden":
                return [f"output: {shown}: access denied; {self._advice(reason)}"]
            return [
                f"output: {shown}: cannot write there ({reason}: {type(e).__name__}: {redact(str(e))[:200]}); "
                "check the endpoint (output_store.storage_options.client_kwargs.endpoint_url) and the network"
            ]
        return []

    # --- objects ---------------------------------------------------------------------------------

    def listing(self) -> dict[str, int]:
        """Every object of the run (hidden names aside): relative key -> size."""
        fs = self.fs
        fs.invalidate_cache()
        root = self._path("")
        found = self._call("listing", "", fs.find, root, detail=True)
        listed = {
            name[len(root) + 1 :]: info.get("size") or 0
            for name, info in found.items()
            if name.startswith(root + "/") and info.get("type") != "directory"
        }
        return {rel: size for rel, size in listed.items() if not _hidden(rel)}  # e.g. a probe left by a crash

    def put(self, rel: str, context: str = "", force: bool = False) -> bool:
        """Upload one finished local file (whole: one PUT, or a multipart upload completed at its end),
        unless this very version is already in the store (its note, written after a completed upload,
        says so: tasks running side by side see each other's finished files). True if uploaded."""
        local = self.staging / rel
        version = _version(local)
        note = self.staging / SENT / rel
        if not force and note.is_file() and note.read_text() == version:
            return False
        self._call("uploading", rel, self.fs.put_file, str(local), self._path(rel), context=context)
        write_text_atomic(note, version)
        return True

    def get(self, rel: str) -> None:
        """Download one object into the staging folder (a temp name, then a rename)."""
        local = self.staging / rel
        with atomic_path(local) as tmp:
            self._call("downloading", rel, self.fs.get_file, self._path(rel), str(tmp))
        write_text_atomic(self.staging / SENT / rel, _version(local))

    def delete_run(self) -> None:
        if self.listing():
            self._call("deleting", "", self.fs.rm, self._path(""), recursive=True)

    # --- the staging folder ----------------------------------------------------------------------

    def _files(self, since: float | None = None, skip_task_files: bool = False) -> Iterator[str]:
        """Relative paths of the staging folder's finished files (no hidden name: temp files, notes),
        changed at or after `since` when given."""
        for folder, dirs, names in os.walk(self.staging):
            rel_folder = os.path.relpath(folder, self.staging)
            rel_folder = "" if rel_folder == "." else rel_folder.replace(os.sep, "/") + "/"
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            if skip_task_files and rel_folder.startswith("logs/") and rel_folder.count("/") == 2:
                dirs[:] = [d for d in dirs if d not in TASK_FILES]
            if skip_task_files and not rel_folder:
                dirs[:] = [d for d in dirs if d not in PARENT_FILES]
            for name in names:
                if name.startswith(".") or (skip_task_files and not rel_folder and name in PARENT_FILES):
                    continue
                if since is not None:
                    try:
                        if os.stat(os.path.join(folder, name)).st_mtime < since:
                            continue
                    except FileNotFoundError:
                        continue
                yield rel_folder + name

    def clock(self) -> float:
        """Now, by the staging file system's clock (on NFS the server's), minus a margin: files a task
        writes from here on have a later modification time."""
        self.staging.mkdir(parents=True, exist_ok=True)
        probe = self.staging / f".clock-{os.getpid()}"
        probe.write_bytes(b"")
        try:
            return min(time.time(), probe.stat().st_mtime) - CLOCK_MARGIN_S
        finally:
            probe.unlink(missing_ok=True)

    def push_task(self, logs: Path, rank: int, since: float, context: str = "") -> int:
        """After a task: the files it wrote (the finished files changed since it started, of which those
        a task beside it already sent are skipped), its stats and log, then its completion marker."""
        logs_rel = Path(logs).resolve().relative_to(self.staging.resolve()).as_posix()
        # its own rank's files first (writers name files by rank): by the time it reaches a neighbour's
        # files, the neighbour has often sent them, and their notes say so
        mine = f"{rank:05d}"
        files = sorted(self._files(since, skip_task_files=True), key=lambda rel: (mine not in rel, rel))
        own = [f"{logs_rel}/stats/{rank:05d}.json", f"{logs_rel}/logs/task_{rank:05d}.log"]
        files += [rel for rel in own if (self.staging / rel).is_file()]
        sent = sum(self.put(rel, context) for rel in files)
        self.put(f"{logs_rel}/{MARKERS}/{rank:05d}", context, force=True)  # last: the outputs are all there
        return sent + 1

    def push_all(self, last: tuple[str, ...] = ("run.json",)) -> int:
        """Upload every file the store lacks or holds in another version (stats, report and card are
        rewritten in place), and the files of `last` after all others. Completion markers never: only
        a task that uploaded its outputs sends its own."""
        remote = self.listing()
        sent = 0
        for rel in sorted(self._files()):
            if _is_marker(rel) or rel in last:
                continue
            sent += self.put(rel, force=rel not in remote)
        for rel in last:
            if (self.staging / rel).is_file():
                sent += self.put(rel, force=True)
        return sent

    def pull(self) -> dict[str, int]:
        """Make the staging folder a copy of the store before a run resumes: download what it lacks
        (markers last), take run.json from the store, and delete local markers the store lacks."""
        remote = self.listing()
        order = sorted(remote, key=lambda rel: (_is_marker(rel), rel))
        for rel in order:
            if _hidden(rel):
                continue
            local = self.staging / rel
            if rel == "run.json" or not local.is_file() or local.stat().st_size != remote[rel]:
                self.get(rel)
        for marker in self.staging.glob(f"logs/*/{MARKERS}/*"):
            rel = marker.relative_to(self.staging).as_posix()
            if rel not in remote:
                marker.unlink()  # its outputs may not all be in the store: the task runs again
        return remote

    def claim_staging(self) -> None:
        """Make sure the staging folder is this store's working copy (or new), and say so in it."""
        note = self.staging / STAGING_NOTE
        if note.is_file():
            url = json.loads(note.read_text()).get("url")
            if url != redact(self.url):
                raise StoreError(
                    f"output_store.staging: {self.staging} is the working copy of {url}, not of "
                    f"{redact(self.url)}; set another output_store.staging"
                )
        elif self.staging.is_dir() and any(self.staging.iterdir()):
            raise StoreError(
                f"output_store.staging: {self.staging} is not empty and is no curator working copy; "
                "choose an empty or new folder"
            )
        self.staging.mkdir(parents=True, exist_ok=True)
        note.write_text(json.dumps({"url": redact(self.url), "storage_options": self.shown_options()}) + "\n")

    def shown_options(self) -> dict:
        return redact_options(self.options.options)

    @classmethod
    def of_staging(cls, folder: str | Path) -> RunStore | None:
        """The store a staging folder is the working copy of (for `curator finalize`, which Slurm runs
        in a job of its own): credentials come from the environment, never from the note."""
        note = Path(folder) / STAGING_NOTE
        if not note.is_file():
            return None
        data = json.loads(note.read_text())
        options = {k: v for k, v in (data.get("storage_options") or {}).items() if v != "***"}
        return cls(data["url"], options, folder)


def _version(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


def run_task(executor, rank: int, store: RunStore | None, body: Callable):
    """`body()` runs datatrove's task (`_run_for_rank`); with an output store, what the task wrote is
    then uploaded, its completion marker last. An upload that fails fails the task and removes its
    local marker, so that the task is not counted done here while the store lacks it."""
    if store is None:
        return body()
    already = executor.is_rank_completed(rank)
    since = store.clock()
    stats = body()
    if already:
        return stats
    logs = Path(executor.logging_dir.path)
    try:
        store.push_task(logs, rank, since, context=f"job {logs.name}, task {rank}: ")
    except BaseException:
        (logs / MARKERS / f"{rank:05d}").unlink(missing_ok=True)
        raise
    return stats
