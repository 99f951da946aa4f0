"""State of a run, read from its folder: works during and after a run, local or Slurm."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from curator.core.paths import RunLayout
from curator.core.stats import completed_tasks


@dataclass
class JobState:
    name: str
    kind: str
    stages: list[str]
    tasks: int
    done: int = 0
    running: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (rank, log path)
    docs_out: int = 0  # documents emitted so far (document jobs)
    started: float | None = None
    updated: float | None = None
    slurm: dict | None = None

    @property
    def elapsed(self) -> float | None:
        if self.started is None:
            return None
        return (self.updated or time.time()) - self.started


LOG_TAIL = 200_000  # bytes: loguru's annotated tracebacks of one failure run to tens of KB


def _task_failed(log: Path) -> bool:
    try:
        tail = log.read_bytes()[-LOG_TAIL:].decode("utf-8", "replace")
    except OSError:
        return False
    return "Traceback" in tail or "| ERROR    |" in tail and "Error" in tail


TASK_ERROR = "| ERROR    | datatrove.executor.base:_run_for_rank"  # datatrove logs what killed a task


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


def job_state(layout: RunLayout, job: dict, running_now: bool) -> JobState:
    logs = layout.logs(job["name"])
    st = JobState(job["name"], job["kind"], job["stages"], job["tasks"])
    done = completed_tasks(logs)
    st.done = len(done)
    for rank in range(job["tasks"]):
        if rank in done:
            continue
        log = logs / "logs" / f"task_{rank:05d}.log"
        if log.is_file():
            if _task_failed(log):
                st.failed.append((rank, str(log)))
            else:
                st.running += 1
    for beacon in sorted((logs / "progress").glob("*.json")) if (logs / "progress").is_dir() else []:
        try:
            b = json.loads(beacon.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        st.docs_out += b.get("docs_out", 0)
        st.started = min(st.started or b["started"], b["started"])
        st.updated = max(st.updated or b["updated"], b["updated"])
    return st


def run_status(output: str | Path) -> tuple[dict, list[JobState], dict[str, dict]]:
    layout = RunLayout(Path(output))
    record = json.loads(layout.run_json.read_text())
    states = [job_state(layout, j, record.get("status") == "running") for j in record["jobs"]]
    if record.get("executor") == "slurm":
        try:
            from curator.exec.slurm import slurm_state
        except ImportError:
            slurm_state = None
        if slurm_state is not None:
            by_job = slurm_state(layout.root) or {}
            for s in states:
                s.slurm = by_job.get(s.name)
                if s.slurm:  # Slurm knows what the task logs cannot show: scancel, time limit, out of memory
                    s.running = s.slurm.get("running", 0)
                    slurm_logs = str(layout.logs(s.name) / "slurm_logs")
                    s.failed += [(-1, slurm_logs)] * max(0, s.slurm.get("failed", 0) - len(s.failed))
            if "finalize" in by_job:
                record["finalize"] = by_job["finalize"]
    stats = {}
    stats_dir = layout.root / "stats"
    if stats_dir.is_dir():
        for f in stats_dir.glob("*.json"):
            try:
                stats[f.stem] = json.loads(f.read_text())
            except json.JSONDecodeError:
                pass
    return record, states, stats
