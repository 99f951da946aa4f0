"""Run a config, for either executor: check everything (plan), prepare the output folder and
run.json, hand the jobs to the executor (exec/local.py runs them here, exec/slurm.py queues them),
then write stats and the report (finalize; after Slurm, its last job runs `curator finalize`).

Resume is datatrove's: each job's logging dir keeps a completion marker per finished task, and a
rerun skips those tasks. Outputs are atomic, so an unfinished task leaves nothing visible.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import shutil
import time
from contextlib import suppress
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from curator.config.loader import LoadedConfig
from curator.core.atomic import write_json_atomic
from curator.core.errors import ConfigError, CuratorError
from curator.core.paths import RunLayout
from curator.core.remote import InputFile, redact
from curator.core.stats import write_stage_stats
from curator.core.store import STAGING_NOTE, RunStore
from curator.exec.local import LocalExecutor, cpu_seconds  # noqa: F401  (cpu_seconds: scripts/bench/e2e.py)
from curator.exec.slurm import SlurmExecutor, check_overrides
from curator.exec.state import Executor
from curator.graph import Job, build_jobs, resolve_inputs
from curator.report.card import write_card

VERSIONED_PACKAGES = (
    "curator",
    "datatrove",
    "trafilatura",
    "resiliparse",
    "fastwarc",
    "fasttext-numpy2-wheel",
    "heliport",
    "pyarrow",
    "numpy",
    "xxhash",
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def config_fingerprint(loaded: LoadedConfig) -> str:
    """What decides the outputs: input, stages and task count (not workers, executor kind or report)."""
    c = loaded.config
    # how inputs are reached (credentials, retries) does not decide the outputs; the remote-input
    # keys are left out while unset, so configs written before they existed keep their fingerprint
    inp = c.input.model_dump(mode="json", exclude={"storage_options", "network"})
    for key in ("paths_from", "base", "commoncrawl", "select"):
        if inp.get(key) is None:
            inp.pop(key, None)
    if not c.input.commoncrawl:
        inp.pop("via", None)
    if inp.get("paths") is None:
        inp.pop("paths", None)
    relevant = {
        "input": inp,
        "stages": [
            {s.block: s.params.model_dump(mode="json") if hasattr(s.params, "model_dump") else s.params}
            for s in c.stages
        ],
        "tasks": c.executor.tasks,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def prepare_output(layout: RunLayout, loaded: LoadedConfig, fresh: bool) -> dict | None:
    """Check the output folder is writable and holds nothing but a run of this config.
    Returns the previous run.json (resume) or None."""
    root = layout.root
    if root.exists() and not root.is_dir():
        raise CuratorError(f"output: '{root}' exists and is not a folder")
    previous = None
    if layout.run_json.is_file():
        try:
            previous = json.loads(layout.run_json.read_text())
        except json.JSONDecodeError:
            previous = {}
    contents = _contents(root)
    if fresh and root.exists():
        if previous is None and contents:
            raise CuratorError(
                f"output: '{root}' is not empty and holds no curator run (no run.json); "
                "refusing to delete it with --fresh. Choose another output folder."
            )
        _delete(contents)
        previous = None
    elif previous is not None and previous.get("config_fingerprint") != config_fingerprint(loaded):
        raise CuratorError(
            f"output: '{root}' holds a run of a different config ({previous.get('config_path')}, name "
            f"'{previous.get('name')}'). Rerun with --fresh to start over there, or set another output."
        )
    elif previous is None and any(p.name != "logs" for p in contents):
        raise CuratorError(
            f"output: '{root}' is not empty and holds no curator run. Choose another output folder."
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise CuratorError(
            f"output: cannot write to '{root}': {e.strerror}. Choose a writable folder."
        ) from None
    return previous


def run_record(loaded: LoadedConfig, files: list[InputFile], jobs: list[Job], previous: dict | None) -> dict:
    return {
        "name": loaded.config.name,
        "config_path": str(loaded.path),
        "config_fingerprint": config_fingerprint(loaded),
        "config": loaded.config.model_dump(mode="json"),
        "executor": loaded.config.executor.kind,
        "versions": versions(),
        "inputs": [{"path": redact(f.path), "bytes": f.size} for f in files],  # resolved URLs
        "jobs": [j.describe() for j in jobs],
        "started_at": (previous or {}).get("started_at") or _now(),
        "resumed_at": _now() if previous else None,
        "finished_at": None,
        "status": "running",
    }


def plan(loaded: LoadedConfig) -> tuple[list[InputFile], list[Job]]:
    """Resolve inputs and build the jobs: every config, file, model and output-store problem is raised here."""
    files = resolve_inputs(loaded)
    jobs = build_jobs(loaded, files)
    problems = check_overrides(loaded.config.executor.slurm, jobs)
    store = loaded.output_store()
    if store is not None:
        problems += store.check()  # the bucket exists, the credentials write (a probe object, deleted)
    if problems:
        raise ConfigError(problems)
    return files, jobs


def _contents(root: Path) -> list[Path]:
    """What a run folder holds; a staging folder's note (output on an object store) is no content: it
    says which store the folder is a working copy of."""
    return [p for p in root.iterdir() if p.name != STAGING_NOTE] if root.is_dir() else []


def _delete(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def prepare_store(store: RunStore, loaded: LoadedConfig, fresh: bool) -> None:
    """Before prepare_output, with `output` on an object store: the staging folder is this store's
    working copy, and a copy of what the store holds (resume reads the store's markers); --fresh deletes
    the run in the store too, but only a curator run (never a prefix holding other objects)."""
    store.claim_staging()
    remote = store.listing()
    if fresh:
        if remote and "run.json" not in remote:
            raise CuratorError(
                f"output: {store.key('')} holds objects but no curator run (no run.json); refusing to "
                "delete them with --fresh. Choose another output."
            )
        store.delete_run()
        _delete(_contents(store.staging))
        return
    if remote and "run.json" not in remote:
        raise CuratorError(
            f"output: {store.key('')} is not empty and holds no curator run. Choose another output."
        )
    if remote:
        store.get("run.json")  # before copying the run: is it a run of this config?
        previous = json.loads((store.staging / "run.json").read_text())
        if previous.get("config_fingerprint") != config_fingerprint(loaded):
            raise CuratorError(
                f"output: {store.key('')} holds a run of a different config ({previous.get('config_path')}, "
                f"name '{previous.get('name')}'). Rerun with --fresh to start over there, or set another output."
            )
    store.pull()


def executor_for(kind: str, verbose: bool = False) -> Executor:
    """The executor of `executor.kind`: both implement exec.state.Executor."""
    if kind == "slurm":
        return SlurmExecutor()
    return LocalExecutor(verbose=verbose)


def run(
    loaded: LoadedConfig,
    fresh: bool = False,
    executor: str | None = None,
    progress=None,
    verbose: bool = False,
) -> dict:
    """Run (or resume) a config. Returns the final run record (status `done`, or `submitted` when
    the executor only queues the jobs)."""
    if executor:
        loaded.config.executor.kind = executor
    files, jobs = plan(loaded)  # every config/model/file problem surfaces here, before any work
    layout = RunLayout(loaded.output_dir)
    store = loaded.output_store()
    runner = executor_for(loaded.config.executor.kind, verbose)
    # never delete (--fresh) or resume a folder that a run or queued jobs still write to
    for either in (LocalExecutor(), SlurmExecutor()):  # a folder may switch executor between runs
        either.ensure_idle(layout)
    try:
        if store is not None:
            prepare_store(store, loaded, fresh)
        previous = prepare_output(layout, loaded, fresh)
        record = run_record(loaded, files, jobs, previous)
        if runner.kind == "local":
            record["local"] = LocalExecutor.owner()
        write_json_atomic(layout.run_json, record)
        if store is not None:
            store.put("run.json")
    except OSError as e:
        raise _disk_error(e, layout) from e
    t0 = time.time()
    try:
        record.update(runner.submit(jobs, loaded, layout, progress))
    except BaseException as e:
        record["status"] = "failed"
        with suppress(OSError):  # the disk may be full
            write_json_atomic(layout.run_json, record)
        if store is not None:
            with suppress(Exception):  # logs and stats so far, for `curator status`; the task's error matters
                store.push_all()
        if isinstance(e, OSError):
            raise _disk_error(e, layout) from e
        raise
    if not runner.waits:
        record["status"] = "submitted"
        write_json_atomic(layout.run_json, record)
        if store is not None:
            store.push_all()  # launch scripts, slurm_jobs.json; the finalize job uploads the rest
        return record
    try:
        finalize(layout, record, seconds=time.time() - t0, store=store)
    except OSError as e:
        raise _disk_error(e, layout) from e
    return record


def _disk_error(e: OSError, layout: RunLayout) -> CuratorError | OSError:
    """A write of this process that failed for lack of space or quota, as a message that says so."""
    if e.errno not in (errno.ENOSPC, errno.EDQUOT):
        return e
    return CuratorError(
        f"the disk is full: cannot write {e.filename or layout.root} ({e.strerror}). Free space (or quota) "
        f"on the output's file system and rerun the same command to resume."
    )


def finalize(
    layout: RunLayout,
    record: dict | None = None,
    seconds: float | None = None,
    store: RunStore | None = None,
) -> dict:
    """(Re)build stats (and the report) from the logs; mark the run finished. Also used after Slurm runs.
    With an output store (given, or named by the staging folder's note: `curator finalize` in Slurm's
    last job), every side file is uploaded, run.json last."""
    store = store or RunStore.of_staging(layout.root)
    record = record or json.loads(layout.run_json.read_text())
    write_stage_stats(record["jobs"], layout)
    record["finished_at"] = _now()
    record["status"] = "done"
    if seconds is not None:
        record["seconds"] = round(seconds, 2)
    write_json_atomic(layout.run_json, record)
    write_card(layout.root)  # OUTPUT/README.md, the dataset card: load_dataset(OUTPUT, name=<language>)
    if record.get("config", {}).get("report", True):
        try:
            from curator.report import write_report
        except ImportError:
            write_report = None
        if write_report is not None:
            write_report(layout.root)
    if store is not None:
        store.push_all(last=("run.json",))  # status `done` is the last object written
    return record
