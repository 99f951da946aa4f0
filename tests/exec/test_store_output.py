"""`output: s3://bucket/run` against moto's S3 on 127.0.0.1: the same documents, ids and stats as the
same run to a local folder; objects only ever appear whole and a task's completion marker only after
its outputs; a run killed mid-way, or whose upload fails, resumes from the store (even with the local
working copy gone) to the same documents, none duplicated; a missing bucket and refused credentials are
config-time errors naming `output`; no credential is written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from curator.cli import main
from curator.config import load_config
from curator.core.errors import CuratorError
from curator.core.store import STAGING_NOTE, RunStore
from curator.exec.run import run
from tests.exec.conftest import write_run_config

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
# a document job, the global phases of dedup, rebalance's mix/ and mix.json: every kind of output
STAGES = [{"extract": {"engine": "fast"}}, {"lid": {"engine": "fasttext"}}, {"dedup": {}}, {"rebalance": {}}]
BUCKET = "curator-runs"
SECRET = "testing"  # moto's accepted secret; must appear in no written file
STAT_KEYS = (
    "docs_in",
    "docs_out",
    "chars_in",
    "chars_out",
    "removed",
    "skipped",
    "file_errors",
    "per_language",
)


def write_config(
    folder: Path, name: str, output: str, store: dict | None = None, fault: dict | None = None
) -> Path:
    stages = list(STAGES)
    if fault:
        stages.insert(1, fault)
    inp = {"format": "warc", "paths": [str(SAMPLE / "*.warc.gz")]}
    extra = {} if store is None else {"output_store": store}
    return write_run_config(
        folder, name, "store", inp, stages, output=output, executor={"workers": 2}, **extra
    )


def store_options(endpoint: str) -> dict:
    return {"client_kwargs": {"endpoint_url": endpoint}, "key": "testing", "secret": SECRET}


def s3(endpoint: str):
    import s3fs

    fs = s3fs.S3FileSystem(**store_options(endpoint), skip_instance_cache=True)
    return fs


def documents_of(dataset: ds.Dataset) -> dict[str, str]:
    rows = dataset.to_table(columns=["id", "text"]).to_pylist()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a document is duplicated"
    return {r["id"]: r["text"] for r in rows}


def stored_documents(fs, prefix: str) -> dict[str, str]:
    return documents_of(ds.dataset(f"{prefix}/data", format="parquet", filesystem=fs))


def stats_of(read) -> dict[str, dict]:
    return {
        name: {k: read(name).get(k) for k in STAT_KEYS}
        for name in ("read", "extract", "lid", "dedup", "rebalance")
    }


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("local")
    run(load_config(write_config(folder, "local", str(folder / "run"))))
    return folder / "run"


@pytest.fixture
def bucket(s3_server) -> str:
    s3(s3_server).makedirs(BUCKET, exist_ok=True)  # moto keeps its buckets between servers of one process
    return s3_server


class Watcher(threading.Thread):
    """Lists the run's objects over and over while it runs (from this process, the run in another):
    every object listed must read whole, and a task's marker must come after its stats and log."""

    def __init__(self, endpoint: str, prefix: str):
        super().__init__(daemon=True)
        self.fs, self.prefix = s3(endpoint), prefix
        self.stop, self.problems, self.snapshots, self.read = threading.Event(), [], 0, set()

    def run(self) -> None:
        while not self.stop.is_set():
            self.fs.invalidate_cache()
            try:
                keys = set(self.fs.find(self.prefix))
            except FileNotFoundError:
                keys = set()
            self.snapshots += 1
            for key in keys:
                rel = key[len(self.prefix) + 1 :]
                if rel.startswith(".curator-write-test-"):
                    continue  # the check's probe (validate, run): empty, whole, deleted at once
                if any(part.startswith(".") for part in rel.split("/")):
                    self.problems.append(f"hidden (temporary) object listed: {rel}")
                parts = rel.split("/")
                if len(parts) == 4 and parts[2] == "completions":
                    for own in (
                        f"logs/{parts[1]}/stats/{parts[3]}.json",
                        f"logs/{parts[1]}/logs/task_{parts[3]}.log",
                    ):
                        if f"{self.prefix}/{own}" not in keys:
                            self.problems.append(f"marker {rel} listed before {own}")
                if rel.endswith(".parquet") and key not in self.read:
                    with self.fs.open(key, "rb") as f:
                        pq.read_table(f)  # a partial object would not read
                    self.read.add(key)
            self.stop.wait(0.2)


def test_s3_output_is_the_local_run(bucket, local_run, tmp_path):
    url = f"s3://{BUCKET}/run"
    staging = tmp_path / "staging"
    config = write_config(
        tmp_path, "s3", url, {"storage_options": store_options(bucket), "staging": str(staging)}
    )
    watcher = Watcher(bucket, f"{BUCKET}/run")
    watcher.start()
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        done = subprocess.run(
            [sys.executable, "-m", "curator.cli", "run", str(config), "--no-progress"],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=ROOT,
            env=env,
        )
    finally:
        watcher.stop.set()
        watcher.join()
    assert done.returncode == 0, done.stderr[-3000:]
    assert not watcher.problems, watcher.problems[:5]
    assert watcher.snapshots > 3 and watcher.read

    fs = s3(bucket)
    prefix = f"{BUCKET}/run"
    assert stored_documents(fs, prefix) == documents_of(ds.dataset(local_run / "data", format="parquet"))

    def stored(name):
        return json.loads(fs.cat_file(f"{prefix}/stats/{name}.json"))

    def local(name):
        return json.loads((local_run / "stats" / f"{name}.json").read_text())

    assert stats_of(stored) == stats_of(local)
    # every file of the local run is in the store, side files included (stats, card, mix, run.json)
    keys = {k[len(prefix) + 1 :] for k in fs.find(prefix)}
    wanted = {
        p.relative_to(local_run).as_posix()
        for p in local_run.rglob("*")
        if p.is_file()
        and p.relative_to(local_run).parts[0] in ("data", "stats", "mix", "README.md", "mix.json", "run.json")
    }
    assert {"README.md", "mix.json", "run.json"} <= wanted <= keys
    record = json.loads(fs.cat_file(f"{prefix}/run.json"))
    assert record["status"] == "done"
    # no credential in the store or in the working copy
    assert record["config"]["output_store"]["storage_options"]["secret"] == "***"
    assert json.loads((staging / STAGING_NOTE).read_text())["storage_options"]["secret"] == "***"
    for key in keys:
        if key.endswith((".json", ".log", ".md")):
            assert f"'{SECRET}'" not in fs.cat_file(f"{prefix}/{key}").decode(), key
    assert SECRET not in json.dumps(record["config"]["output_store"])


def test_killed_or_failed_upload_resumes_from_the_store(bucket, local_run, tmp_path, monkeypatch):
    reference = documents_of(ds.dataset(local_run / "data", format="parquet"))
    url = f"s3://{BUCKET}/killed"
    staging = tmp_path / "staging"
    marker = tmp_path / "killed-once"
    fault = {"tests.exec.faults:KillOnce": {"marker": str(marker), "rank": 1}}
    config = write_config(
        tmp_path, "killed", url, {"storage_options": store_options(bucket), "staging": str(staging)}, fault
    )
    with pytest.raises(CuratorError, match=r"job 01-\S+, task 1: its process was killed by SIGKILL"):
        run(load_config(config))
    fs = s3(bucket)
    prefix = f"{BUCKET}/killed"
    keys = {k[len(prefix) + 1 :] for k in fs.find(prefix)}
    job = next(k.split("/")[1] for k in keys if k.startswith("logs/01-"))
    assert f"logs/{job}/completions/00001" not in keys
    assert json.loads(fs.cat_file(f"{prefix}/run.json"))["status"] == "failed"

    # the working copy is lost (another machine): the rerun reads what is done from the store; and
    # one upload fails this time: that task fails without a marker, here or in the store
    shutil.rmtree(staging)
    failed_once = tmp_path / "upload-failed-once"
    put = RunStore.put

    def flaky_put(self, rel, context="", force=False):
        if rel.startswith("data/") and not failed_once.exists():
            failed_once.touch()
            raise CuratorError(f"{context}uploading {self.key(rel)} failed (test)")
        return put(self, rel, context, force)

    monkeypatch.setattr(RunStore, "put", flaky_put)
    with pytest.raises(
        CuratorError, match=r"task \d: failed: CuratorError: job \S+, task \d: uploading s3://"
    ):
        run(load_config(config))
    assert failed_once.exists()
    fs.invalidate_cache()
    last_job = max(k.split("/")[1] for k in fs.find(prefix) if k.startswith(f"{prefix}/logs/0"))
    for rank in range(2):
        local_marker = staging / "logs" / last_job / "completions" / f"{rank:05d}"
        assert local_marker.exists() == fs.exists(f"{prefix}/logs/{last_job}/completions/{rank:05d}")

    record = run(load_config(config))
    assert record["status"] == "done"
    assert stored_documents(s3(bucket), prefix) == reference


def test_missing_bucket_and_refused_credentials_are_named(bucket, tmp_path, monkeypatch):
    missing = write_config(
        tmp_path, "missing", "s3://no-such-bucket/run", {"storage_options": store_options(bucket)}
    )
    shown = CliRunner().invoke(main, ["validate", str(missing)])
    assert shown.exit_code == 2, shown.output
    assert "output: s3://no-such-bucket/run: the bucket 'no-such-bucket' does not exist" in shown.output

    import moto.settings

    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # moto checks credentials from now
    options = {**store_options(bucket), "key": "nobody", "secret": "wrong-secret"}
    refused = write_config(tmp_path, "refused", f"s3://{BUCKET}/run", {"storage_options": options})
    shown = CliRunner().invoke(main, ["validate", str(refused)])
    assert shown.exit_code == 2, shown.output
    assert f"output: s3://{BUCKET}/run: access denied; check the credentials" in shown.output
    assert "output_store.storage_options" in shown.output and "wrong-secret" not in shown.output


def test_http_output_is_refused(tmp_path):
    config = write_config(tmp_path, "http", "https://example.org/run")
    shown = CliRunner().invoke(main, ["validate", str(config)])
    assert shown.exit_code == 2 and "output: " in shown.output and "cannot be written to" in shown.output


def test_a_version_is_sent_once_and_a_rewritten_file_again(bucket, tmp_path):
    """Tasks side by side see each other's finished files: the note of a completed upload keeps the
    second from sending the same version again; a file rewritten in place (stats, run.json) is new."""
    store = RunStore(f"s3://{BUCKET}/notes", store_options(bucket), tmp_path)
    (tmp_path / "stats").mkdir()
    path = tmp_path / "stats" / "read.json"
    path.write_text('{"docs_in": 1}')
    assert store.put("stats/read.json") is True
    assert store.put("stats/read.json") is False
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert store.put("stats/read.json") is True
    assert store.listing() == {"stats/read.json": path.stat().st_size}
