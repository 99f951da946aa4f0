"""A run's state, read from its folder alone, and the interface both executors implement.

A run's state lives in files, not in a process, so that `curator status`, the live progress, a
resumed run and either executor read it the same way, during a run and after it:
- OUTPUT/run.json: the jobs, the executor, the run's status (and, local, the process running it);
- OUTPUT/logs/<job>/completions/<rank>: datatrove's marker of a finished task (what resume skips);
- OUTPUT/logs/<job>/logs/task_<rank>.log: a task's log (a traceback in it = the task failed);
- OUTPUT/logs/<job>/progress/<rank>.json: documents emitted so far (core.progress_beacon).
The executor adds what only it knows (which tasks Slurm still queues; whether the local run's
process is alive) through `Executor.task_counts`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from curator.core.errors import CuratorError
from curator.core.paths import RunLayout
from curator.core.stats import completed_tasks

if TYPE_CHECKING:
    from curator.config.loader import LoadedConfig
    from curator.graph import Job

__all__ = ["Executor", "JobState", "TaskCounts", "completed_tasks", "job_state", "read_run", "task_log"]


@dataclass
class TaskCounts:
    """Tasks of one job by state. Without Slurm accounting a failure and a cancellation while
    running look the same: both are `failed` (the task's log says which)."""

    done: int = 0
    running: int = 0
    pending: int = 0
    failed: int = 0  # started, ended without a completion marker: error, time limit, memory, killed
    not_run: int = 0  # unfinished and never started: cancelled while queued, dependency failed, not reached


class Executor(Protocol):
    """What runs a run's jobs: local (tasks as processes forked here) or Slurm (job arrays)."""

    kind: ClassVar[str]
    waits: ClassVar[bool]  # submit() returns when the jobs are done (local) or once queued (Slurm)

    def ensure_idle(self, layout: RunLayout) -> None:
        """Raise if jobs of the run in `layout` may still be running (never run twice into one folder)."""

    def submit(self, jobs: list[Job], loaded: LoadedConfig, layout: RunLayout, progress=None) -> dict:
        """Run or queue the unfinished tasks of `jobs`, in order; returns fields for run.json."""

    def task_counts(self, layout: RunLayout, run: dict) -> dict[str, dict[str, int]]:
        """Per job name (see TaskCounts, as a dict): how many tasks are done, running, pending..."""


def read_run(layout: RunLayout) -> dict:
    if not layout.run_json.is_file():
        raise CuratorError(f"{layout.root}: no run.json; is this a curator output folder?")
    return json.loads(layout.run_json.read_text())


def task_log(layout: RunLayout, job_name: str, rank: int) -> Path:
    """Where datatrove writes the log of task `rank` of `job_name`."""
    return layout.logs(job_name) / "logs" / f"task_{rank:05d}.log"


LOG_TAIL = 200_000  # bytes: loguru's annotated tracebacks of one failure run to tens of KB
TASK_ERROR = "| ERROR    | datatrove.executor.base:_run_for_rank"  # datatrove logs what killed a task


def task_failed(log: Path) -> bool:
    """A task's log shows a failure (datatrove logs the exception before the task ends)."""
    try:
        tail = log.read_bytes()[-LOG_TAIL:].decode("utf-8", "replace")
    except OSError:
        return False
    return "Traceback" in tail or "| ERROR    |" in tail and "Error" in tail


def failure_reason(log: str | Path) -> str | None:
    """What a failed task ended with, from its log: the error datatrove logged for it (e.g. a remote
    input that never arrived: `<url>: reading failed at byte 0 after 8 attempts: http_503 ...`)."""
    try:
        text = Path(log).read_bytes()[-LOG_TAIL:].decode("utf-8", "replace")
    except OSError:
        return None
    for line in reversed(text.splitlines()):
        if TASK_ERROR in line:
            return line.split(" - ", 1)[-1].strip()
    return None


@dataclass
class JobState:
    name: str
    kind: str
    stages: list[str]
    tasks: int
    done: int = 0
    running: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (rank, log path)
    started: list[tuple[int, str]] = field(
        default_factory=list
    )  # (rank, log path): a log, no marker, no error
    docs_out: int = 0  # documents emitted so far (document jobs)
    first_beacon: float | None = None
    updated: float | None = None
    slurm: dict | None = None  # the Slurm executor's TaskCounts of this job

    @property
    def elapsed(self) -> float | None:
        if self.first_beacon is None:
            return None
        return (self.updated or time.time()) - self.first_beacon


def job_state(layout: RunLayout, job: dict) -> JobState:
    """One job's state from its files: finished tasks, started ones (failed if their log says so),
    documents emitted so far and the time span of its progress beacons."""
    logs = layout.logs(job["name"])
    st = JobState(job["name"], job["kind"], job["stages"], job["tasks"])
    done = completed_tasks(logs)
    st.done = len(done)
    for rank in range(job["tasks"]):
        if rank in done:
            continue
        log = task_log(layout, job["name"], rank)
        if log.is_file():
            if task_failed(log):
                st.failed.append((rank, str(log)))
            else:
                st.running += 1
                st.started.append((rank, str(log)))
    for beacon in sorted((logs / "progress").glob("*.json")) if (logs / "progress").is_dir() else []:
        try:
            b = json.loads(beacon.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        st.docs_out += b.get("docs_out", 0)
        st.first_beacon = min(st.first_beacon or b["started"], b["started"])
        st.updated = max(st.updated or b["updated"], b["updated"])
    return st
