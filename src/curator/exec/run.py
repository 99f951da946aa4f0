"""Run a config: check everything, prepare the output folder, run the jobs in order, write stats.

Resume is datatrove's: each job's logging dir keeps a completion marker per finished task, and a
rerun skips those tasks. Outputs are atomic, so an unfinished task leaves nothing visible.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import platform
import resource
import shutil
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata

from curator.config.loader import LoadedConfig
from curator.core.atomic import write_json_atomic
from curator.core.errors import ConfigError, CuratorError
from curator.core.paths import RunLayout
from curator.core.remote import InputFile, redact
from curator.core.stats import completed_tasks, write_stage_stats
from curator.graph import Job, build_jobs, resolve_inputs

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
    if fresh and root.exists():
        if previous is None and any(root.iterdir()):
            raise CuratorError(
                f"output: '{root}' is not empty and holds no curator run (no run.json); "
                "refusing to delete it with --fresh. Choose another output folder."
            )
        shutil.rmtree(root)
        previous = None
    elif previous is not None and previous.get("config_fingerprint") != config_fingerprint(loaded):
        raise CuratorError(
            f"output: '{root}' holds a run of a different config ({previous.get('config_path')}, name "
            f"'{previous.get('name')}'). Rerun with --fresh to start over there, or set another output."
        )
    elif previous is None and root.exists() and any(p.name != "logs" for p in root.iterdir()):
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
    """Resolve inputs and build the jobs: every config, file and model problem is raised here."""
    from curator.exec.slurm import check_overrides

    files = resolve_inputs(loaded)
    jobs = build_jobs(loaded, files)
    problems = check_overrides(loaded.config.executor.slurm, jobs)
    if problems:
        raise ConfigError(problems)
    return files, jobs


@contextmanager
def quiet_task_console():
    """While live progress is drawn, tasks log to their files only (errors still reach the console)."""
    import datatrove.executor.base as executor_base
    from loguru import logger

    original = executor_base.add_task_logger

    def add_task_logger(logging_dir, rank, local_rank=0, node_rank=-1):
        logfile = original(logging_dir, rank, local_rank, node_rank)
        logger.remove()
        logger.add(
            logfile,
            level="DEBUG",
            format="{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message}",
        )
        logger.add(sys.stderr, level="ERROR")
        return logfile

    executor_base.add_task_logger = add_task_logger
    try:
        yield
    finally:
        executor_base.add_task_logger = original


@contextmanager
def log_sinks_without_path_scan():
    """Each loguru sink scans the interpreter's library folders (36 sysconfig lookups, ~6 ms) and
    datatrove adds three sinks per task: ~80% of a small task's overhead. The folders do not change
    during a run, so they are looked up once; forked task workers inherit the result."""
    try:
        from loguru._better_exceptions import ExceptionFormatter

        original = ExceptionFormatter.__dict__["_get_lib_dirs"]
    except (ImportError, KeyError):  # another loguru: nothing to save
        yield
        return
    ExceptionFormatter._get_lib_dirs = staticmethod(functools.cache(original.__func__))
    try:
        yield
    finally:
        ExceptionFormatter._get_lib_dirs = original


@contextmanager
def shared_with_workers(pipeline: list, preload: bool = True):
    """Prepare this process for the local executor to fork a job's workers from it: the steps'
    preload (imports every task would repeat), then a GC freeze, so the workers' collections
    neither scan nor copy the objects they inherit (Python's advice for fork without exec)."""
    from curator.core.preload import preload as preload_steps

    if preload:
        preload_steps(pipeline)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def cpu_seconds() -> float:
    """User+system time of this process and of its children that have ended (a job's task workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_local(jobs: list[Job], loaded: LoadedConfig, layout: RunLayout, progress=None) -> dict[str, dict]:
    """Run the jobs in order; returns each job's wall and CPU seconds (run.json `job_seconds`)."""
    if progress is None:
        with log_sinks_without_path_scan():
            return _run_local_jobs(jobs, loaded, layout, None)
    try:
        with quiet_task_console(), log_sinks_without_path_scan():
            return _run_local_jobs(jobs, loaded, layout, progress)
    finally:
        progress.close()


def _run_local_jobs(jobs: list[Job], loaded: LoadedConfig, layout: RunLayout, progress) -> dict[str, dict]:
    from datatrove.executor.local import LocalPipelineExecutor

    workers = loaded.config.executor.workers
    described = [j.describe() for j in jobs]
    seconds: dict[str, dict] = {}
    for job in jobs:
        logs = layout.logs(job.name)
        if progress:
            progress.job_started(job)
        wall, cpu = time.perf_counter(), cpu_seconds()
        executor = LocalPipelineExecutor(
            job.pipeline,
            tasks=job.tasks,
            workers=min(workers, job.tasks),
            logging_dir=str(logs),
            skip_completed=True,
            start_method="fork",
        )
        try:
            with shared_with_workers(job.pipeline, preload=completed_tasks(logs) != set(range(job.tasks))):
                executor.run()
        except Exception as e:
            write_stage_stats(described, layout)
            raise CuratorError(
                f"job {job.name} failed: {type(e).__name__}: {e}. Task logs: {logs}/logs/. "
                f"Fix the cause and rerun the same command to resume."
            ) from e
        missing = set(range(job.tasks)) - completed_tasks(logs)
        if missing:
            raise CuratorError(f"job {job.name}: tasks {sorted(missing)} did not complete; see {logs}/logs/")
        write_stage_stats(described, layout)
        seconds[job.name] = {
            "wall": round(time.perf_counter() - wall, 2),
            "cpu": round(cpu_seconds() - cpu, 2),
        }
        if progress:
            progress.job_finished(job)
    return seconds


def run(loaded: LoadedConfig, fresh: bool = False, executor: str | None = None, progress=None) -> dict:
    """Run (or resume) a config. Returns the final run record."""
    if executor:
        loaded.config.executor.kind = executor
    files, jobs = plan(loaded)  # every config/model/file problem surfaces here, before any work
    layout = RunLayout(loaded.output_dir)
    from curator.exec.slurm import ensure_no_active_jobs

    ensure_no_active_jobs(
        layout
    )  # never delete (--fresh) or resubmit a folder that queued jobs still write to
    previous = prepare_output(layout, loaded, fresh)
    record = run_record(loaded, files, jobs, previous)
    write_json_atomic(layout.run_json, record)
    if loaded.config.executor.kind == "slurm":
        from curator.exec.slurm import submit_jobs

        try:
            record["slurm"] = submit_jobs(jobs, loaded, layout)
        except BaseException:
            record["status"] = "failed"
            write_json_atomic(layout.run_json, record)
            raise
        record["status"] = "submitted"
        write_json_atomic(layout.run_json, record)
        return record
    t0 = time.time()
    try:
        record["job_seconds"] = run_local(jobs, loaded, layout, progress)
    except BaseException:
        record["status"] = "failed"
        write_json_atomic(layout.run_json, record)
        raise
    finalize(layout, record, seconds=time.time() - t0)
    return record


def finalize(layout: RunLayout, record: dict | None = None, seconds: float | None = None) -> dict:
    """(Re)build stats (and the report) from the logs; mark the run finished. Also used after Slurm runs."""
    record = record or json.loads(layout.run_json.read_text())
    write_stage_stats(record["jobs"], layout)
    record["finished_at"] = _now()
    record["status"] = "done"
    if seconds is not None:
        record["seconds"] = round(seconds, 2)
    write_json_atomic(layout.run_json, record)
    if record.get("config", {}).get("report", True):
        try:
            from curator.report import write_report
        except ImportError:
            write_report = None
        if write_report is not None:
            write_report(layout.root)
    return record
