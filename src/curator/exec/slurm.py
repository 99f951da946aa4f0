"""The job graph on Slurm: every job becomes one job array (datatrove's SlurmPipelineExecutor), each
array waits for the previous one (`afterok`), and a last small job runs `curator finalize OUTPUT`,
which builds OUTPUT/stats/ and the report from the task logs.

Submitting returns at once, so the run's state lives in files and in the queue, not in a process:
datatrove's completion markers (OUTPUT/logs/<job>/completions/) say which tasks are done,
OUTPUT/logs/slurm_jobs.json which Slurm jobs were submitted, and squeue what is still queued.
Submitting the same config again submits only the tasks without a completion marker.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click
import dill
from datatrove.executor.slurm import SlurmPipelineExecutor

from curator.config.schema import SlurmConfig
from curator.core.atomic import write_json_atomic
from curator.core.errors import ConfigError, CuratorError
from curator.core.paths import RunLayout
from curator.core.store import RunStore, run_task
from curator.exec.state import TaskCounts, completed_tasks, read_run

if TYPE_CHECKING:
    from curator.config.loader import LoadedConfig
    from curator.graph import Job

SUBMISSIONS_FILE = "slurm_jobs.json"  # in OUTPUT/logs/: every submission of this run, newest last
FINALIZE_JOB = "finalize"
# squeue states of a job that may still run (squeue lists finished jobs only briefly, if at all)
ACTIVE_STATES = {
    "PENDING",
    "RUNNING",
    "CONFIGURING",
    "COMPLETING",
    "SUSPENDED",
    "REQUEUED",
    "REQUEUE_HOLD",
    "REQUEUE_FED",
    "RESIZING",
    "SIGNALING",
    "STAGE_OUT",
    "STOPPED",
}
# a pending job with this reason never starts (its dependency failed, and the cluster does not
# cancel such jobs by itself, i.e. no DependencyParameters=kill_invalid_depend)
NEVER_STARTS = "DependencyNeverSatisfied"


@dataclass(frozen=True)
class JobShape:
    """What one array task of a job asks Slurm for."""

    partition: str
    time: str
    cpus_per_task: int
    mem_per_cpu_gb: float
    tasks_per_job: int
    max_running_tasks: int | None


def _override_keys(job_name: str, stages: Sequence[str]) -> tuple[str, ...]:
    """Keys of `executor.slurm.stages` that shape a job, weakest first: its stages, its name without
    the number ('03-dedup-clusters' -> 'dedup-clusters', which survives adding a stage before it),
    its full name."""
    return (*stages, re.sub(r"^\d+-", "", job_name), job_name)


def job_shape(slurm: SlurmConfig, job_name: str, stages: Sequence[str] = ()) -> JobShape:
    """`executor.slurm` defaults, then the job's overrides (see _override_keys) on top."""
    values = {name: getattr(slurm, name) for name in JobShape.__dataclass_fields__}
    for key in _override_keys(job_name, stages):
        override = slurm.stages.get(key)
        if override is not None:
            values.update({k: v for k, v in override.model_dump(exclude_none=True).items() if k in values})
    return JobShape(**values)


def check_overrides(slurm: SlurmConfig, jobs: Sequence[Job]) -> list[str]:
    """Override keys that name no job (a typo would silently do nothing) and task counts Slurm cannot change."""
    keys_of = {job.name: _override_keys(job.name, job.stages) for job in jobs}
    known = {FINALIZE_JOB}.union(*keys_of.values())
    problems = []
    for key, override in slurm.stages.items():
        if key not in known:
            names = ", ".join(keys_of)
            problems.append(
                f"executor.slurm.stages.{key}: no job or stage of this name (jobs: {names}, {FINALIZE_JOB})"
            )
            continue
        for job in jobs:
            if override.tasks is not None and key in keys_of[job.name] and override.tasks != job.tasks:
                problems.append(
                    f"executor.slurm.stages.{key}.tasks: job {job.name} has {job.tasks} tasks, set by the graph "
                    f"(document jobs read the previous job's output by task number); change executor.tasks, "
                    f"or use tasks_per_job to give each array task several tasks"
                )
    return problems


def activate_script(loaded: LoadedConfig) -> Path:
    """The script each Slurm job sources: executor.slurm.venv_path, else this interpreter's venv."""
    configured = loaded.config.executor.slurm.venv_path
    path = loaded.resolve(configured) if configured else Path(sys.prefix) / "bin" / "activate"
    if not path.is_file():
        if configured:
            raise ConfigError(
                [
                    f"executor.slurm.venv_path: {path} does not exist; give the `bin/activate` "
                    "script of the Python environment the jobs should use"
                ]
            )
        raise ConfigError(
            [
                f"executor.slurm.venv_path: not set, and {sys.prefix} is not a venv (no bin/activate); "
                "set it to the `bin/activate` script of the environment the jobs should use"
            ]
        )
    return path


class _JobIdRecorder:
    """Reads the job id from sbatch's answer and keeps every one: datatrove keeps only the last
    array of a job split by max_array_size, but the next job must wait for all of them."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def __call__(self, sbatch_output: str) -> str:
        job_id = sbatch_output.split()[-1]
        self.ids.append(job_id)
        return job_id


class CuratorSlurmExecutor(SlurmPipelineExecutor):
    """datatrove's Slurm executor, with fresh steps for every task and without its extra merge_stats
    job per array (`curator finalize` builds OUTPUT/stats/ from the same per-task files, once)."""

    def __init__(self, *args, store: RunStore | None = None, **kwargs):
        self.store = store  # output on an object store: each task uploads its outputs, then its marker
        super().__init__(*args, **kwargs)

    def launch_merge_stats(self) -> None:
        return None

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        """With tasks_per_job > 1 one process runs several tasks; datatrove would carry each step's
        stats (and state) from one task into the next, so task 2's stats would count task 1's documents."""
        pipeline = self.pipeline
        self.pipeline = deepcopy(pipeline)
        try:
            body = super()._run_for_rank
            return run_task(self, rank, self.store, lambda: body(rank, local_rank, node_rank))
        finally:
            self.pipeline = pipeline


def _sbatch_options(slurm: SlurmConfig, shape: JobShape) -> dict[str, str]:
    """Options datatrove has no argument for. Memory in MB: sbatch rejects datatrove's '1.5G'."""
    options = {"mem-per-cpu": f"{max(1, round(shape.mem_per_cpu_gb * 1024))}M"}
    if slurm.account:
        options["account"] = slurm.account
    options.update({key.lstrip("-"): value for key, value in slurm.sbatch_args.items()})
    return options


def _require_sbatch() -> None:
    if shutil.which("sbatch") is None:
        raise CuratorError(
            "executor.kind is slurm but `sbatch` is not on PATH: run on a Slurm login node, "
            "or start a local Slurm with `scripts/slurm-local.sh start` (as root)"
        )


def _check_picklable(job: Job) -> None:
    """The jobs receive their steps pickled (dill); say which step cannot be, before submitting anything."""
    for step in job.pipeline:
        try:
            dill.dumps(step)
        except (
            Exception
        ) as e:  # dill raises TypeError, PicklingError, AttributeError... depending on the object
            raise CuratorError(
                f"job {job.name}: step {getattr(step, 'name', type(step).__name__)} cannot be sent to Slurm, it "
                f"cannot be pickled ({type(e).__name__}: {e}). Load models and open files in run(), not in __init__."
            ) from e


def _submit_array(
    job: Job, loaded: LoadedConfig, layout: RunLayout, activate: Path, after: list[str]
) -> dict:
    slurm = loaded.config.executor.slurm
    shape = job_shape(slurm, job.name, job.stages)
    logs = layout.logs(job.name)
    recorder = _JobIdRecorder()
    executor = CuratorSlurmExecutor(
        pipeline=job.pipeline,
        tasks=job.tasks,
        time=shape.time,
        partition=shape.partition,
        cpus_per_task=shape.cpus_per_task,
        mem_per_cpu_gb=shape.mem_per_cpu_gb,
        workers=shape.max_running_tasks or -1,
        job_name=f"{loaded.config.name}-{job.name}",
        qos=slurm.qos,
        venv_path=str(activate),
        sbatch_args=_sbatch_options(slurm, shape),
        max_array_size=slurm.max_array_size,
        # the arrays of a split job only work around the index limit: all may run at once
        max_array_launch_parallel=True,
        depends_job_id=":".join(after) or None,
        job_id_retriever=recorder,
        logging_dir=str(logs),
        tasks_per_job=shape.tasks_per_job,
        store=loaded.output_store(),
    )
    try:
        executor.launch_job()
    except subprocess.CalledProcessError as e:
        raise CuratorError(
            f"sbatch refused job {job.name} (exit {e.returncode}, its message is above); check executor.slurm "
            f"(partition, time, qos, account, sbatch_args). Script: {logs / 'launch_script.slurm'}"
        ) from None
    submitted_ranks = json.loads((logs / "ranks_to_run.json").read_text()) if recorder.ids else []
    return {
        "ids": recorder.ids,
        "tasks": job.tasks,
        "submitted_tasks": len(submitted_ranks),
        "max_array_size": slurm.max_array_size,
        "tasks_per_job": shape.tasks_per_job,
    }


def _submit_finalize(loaded: LoadedConfig, layout: RunLayout, activate: Path, after: list[str]) -> str:
    slurm = loaded.config.executor.slurm
    shape = job_shape(slurm, FINALIZE_JOB)
    logs = layout.logs(FINALIZE_JOB)
    logs.mkdir(parents=True, exist_ok=True)
    options = {
        "job-name": f"{loaded.config.name}-{FINALIZE_JOB}",
        "partition": shape.partition,
        "time": shape.time,
        "cpus-per-task": str(shape.cpus_per_task),
        "output": str(logs / "slurm-%j.out"),
        **({"qos": slurm.qos} if slurm.qos else {}),
        **_sbatch_options(slurm, shape),
    }
    lines = [
        "#!/bin/bash",
        *(f"#SBATCH --{k}={v}" if v else f"#SBATCH --{k}" for k, v in options.items()),
        f"source {shlex.quote(str(activate))}",
        "set -e",
        f"curator finalize {shlex.quote(str(layout.root))}",
    ]
    args = ["sbatch", "--parsable"] + ([f"--dependency=afterok:{':'.join(after)}"] if after else [])
    done = subprocess.run(args, input="\n".join(lines) + "\n", text=True, capture_output=True)
    if done.returncode != 0:
        raise CuratorError(f"sbatch refused the finalize job: {done.stderr.strip()}; check executor.slurm")
    return done.stdout.strip().split(";")[0]


def _read_submissions(layout: RunLayout) -> list[dict]:
    path = layout.root / "logs" / SUBMISSIONS_FILE
    return json.loads(path.read_text()) if path.is_file() else []


def _append_submission(layout: RunLayout, submission: dict) -> None:
    path = layout.root / "logs" / SUBMISSIONS_FILE
    history = _read_submissions(layout) + [submission]
    write_json_atomic(path, history)


def submit_jobs(jobs: Sequence[Job], loaded: LoadedConfig, layout: RunLayout) -> dict:
    """Submit every job with unfinished tasks as a job array, each after the previous one, then the
    finalize job. Returns (and records in OUTPUT/logs/slurm_jobs.json) the Slurm job ids."""
    slurm = loaded.config.executor.slurm
    _require_sbatch()
    problems = check_overrides(slurm, jobs)
    if problems:
        raise ConfigError(problems)
    activate = activate_script(loaded)
    for job in jobs:
        _check_picklable(job)
    ensure_no_active_jobs(layout)
    submission: dict = {"submitted_at": datetime.now(UTC).isoformat(timespec="seconds"), "jobs": {}}
    after: list[str] = []
    try:
        for job in jobs:
            submitted = _submit_array(job, loaded, layout, activate, after)
            submission["jobs"][job.name] = submitted
            if submitted["ids"]:
                after = submitted["ids"]
        submission["finalize"] = _submit_finalize(loaded, layout, activate, after)
    except CuratorError:
        # all or nothing: a half-submitted graph would run its first jobs, unrecorded
        queued = [i for job in submission["jobs"].values() for i in job["ids"]]
        if queued:
            subprocess.run(["scancel", *queued], check=False)
            click.echo(f"cancelled the jobs already submitted ({','.join(queued)})", err=True)
        raise
    _append_submission(layout, submission)
    _print_submission(submission, layout)
    return submission


def _print_submission(submission: dict, layout: RunLayout) -> None:
    ids = []
    click.echo(f"submitted to Slurm, output {layout.root}:")
    for name, job in submission["jobs"].items():
        if job["ids"]:
            ids += job["ids"]
            click.echo(
                f"  {name:<32} job {','.join(job['ids'])}  ({job['submitted_tasks']} of {job['tasks']} tasks)"
            )
        else:
            click.echo(f"  {name:<32} complete, not submitted")
    ids.append(submission["finalize"])
    click.echo(f"  {FINALIZE_JOB:<32} job {submission['finalize']}  (stats and report, after the last job)")
    click.echo(f"watch: curator status {layout.root}   or   squeue -j {','.join(ids)}")
    click.echo(
        f"logs:  {layout.root / 'logs'}/<job>/slurm_logs/; rerun the same command to resubmit unfinished tasks"
    )


# --- the queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    job_id: str  # the array's job id (%F); the job's own id for a job that is no array
    task_id: int | None  # array index (%K)
    state: str
    reason: str

    @property
    def never_starts(self) -> bool:
        return self.state == "PENDING" and self.reason == NEVER_STARTS


def read_queue(job_ids: Sequence[str]) -> list[QueueEntry]:
    """squeue's entries (one per array task) of these jobs; finished jobs are not listed."""
    if not job_ids:
        return []
    if shutil.which("squeue") is None:
        raise CuratorError("`squeue` is not on PATH: run this on a Slurm login node to see queued jobs")
    done = subprocess.run(
        ["squeue", "-h", "-r", "-j", ",".join(job_ids), "-o", "%F|%K|%T|%r"], text=True, capture_output=True
    )
    if done.returncode != 0:
        if "Invalid job id" in done.stderr:  # none of them is known any more: all finished
            return []
        raise CuratorError(
            f"squeue failed: {done.stderr.strip()} (is Slurm up? `scripts/slurm-local.sh status`)"
        )
    entries = []
    for line in done.stdout.splitlines():
        job_id, task_id, state, reason = line.strip().split("|", 3)
        entries.append(QueueEntry(job_id, int(task_id) if task_id.isdigit() else None, state, reason))
    return entries


def _all_submitted_ids(submissions: list[dict]) -> list[str]:
    ids = []
    for submission in submissions:
        for job in submission["jobs"].values():
            ids += job["ids"]
        ids.append(submission["finalize"])
    return list(dict.fromkeys(ids))


def ensure_no_active_jobs(layout: RunLayout) -> None:
    """Refuse to submit (or delete, with --fresh) while this run's jobs are queued or running; cancel
    jobs that can never start because their dependency failed."""
    ids = _all_submitted_ids(_read_submissions(layout))
    entries = [e for e in read_queue(ids) if e.state in ACTIVE_STATES]
    stuck = sorted({e.job_id for e in entries if e.never_starts}, key=int)
    active = sorted({e.job_id for e in entries if not e.never_starts}, key=int)
    if active:
        joined = ",".join(active)
        raise CuratorError(
            f"{layout.root}: Slurm jobs {joined} of this run are still queued or running; wait for "
            f"them (`curator status {layout.root}`) or cancel them (`scancel {joined}`), then rerun"
        )
    if stuck:
        subprocess.run(["scancel", *stuck], check=False)
        click.echo(f"cancelled jobs {','.join(stuck)}: an earlier job they waited for failed")


# --- state of a run, for `curator status` -------------------------------------------------------


def _latest_submission_of(name: str, submissions: list[dict]) -> dict | None:
    for submission in reversed(submissions):
        job = submission["jobs"].get(name)
        if job and job["ids"]:
            return job
    return None


def _array_counts(
    job: dict, tasks: int, logs: Path, done: set[int], queue: dict[tuple[str, int | None], QueueEntry]
) -> TaskCounts:
    """Sort the unfinished tasks of one submitted job: datatrove's array task k of the c-th array runs
    ranks_to_run[(k + c * max_array_size) * tasks_per_job ...]."""
    counts = TaskCounts(done=len(done))
    ranks = json.loads((logs / "ranks_to_run.json").read_text())
    per_array_task, max_array = job["tasks_per_job"], job["max_array_size"]
    submitted = set()
    for index, rank in enumerate(ranks):
        submitted.add(rank)
        if rank in done:
            continue
        array_index = index // per_array_task
        chunk, task_id = divmod(array_index, max_array)
        job_id = job["ids"][chunk] if chunk < len(job["ids"]) else None
        entry = queue.get((job_id, task_id))
        if entry is None:
            started = (logs / "slurm_logs" / f"{job_id}_{task_id}.out").is_file()
            counts.failed += started
            counts.not_run += not started
        elif entry.never_starts:
            counts.not_run += 1
        elif entry.state == "PENDING":
            counts.pending += 1
        else:
            counts.running += 1
    counts.not_run += len(set(range(tasks)) - done - submitted)
    return counts


def slurm_state(output_dir: str | Path) -> dict[str, dict[str, int]]:
    """Per job of the run in OUTPUT, and its `finalize` job: how many tasks are done, running, pending,
    failed, not run (see TaskCounts). Reads completion markers, OUTPUT/logs/slurm_jobs.json and squeue."""
    layout = RunLayout(Path(output_dir))
    run = read_run(layout)
    submissions = _read_submissions(layout)
    queue = {
        (e.job_id, e.task_id): e
        for e in read_queue(_all_submitted_ids(submissions))
        if e.state in ACTIVE_STATES
    }
    states = {}
    for described in run["jobs"]:
        name, tasks, logs = described["name"], described["tasks"], layout.logs(described["name"])
        done = completed_tasks(logs)
        job = _latest_submission_of(name, submissions)
        if job is None:
            counts = TaskCounts(done=len(done), not_run=tasks - len(done))
        else:
            counts = _array_counts(job, tasks, logs, done, queue)
        states[name] = asdict(counts)
    if submissions:
        states[FINALIZE_JOB] = asdict(_finalize_counts(layout, run, submissions[-1]["finalize"], queue))
    return states


def _finalize_counts(layout: RunLayout, run: dict, job_id: str, queue: dict) -> TaskCounts:
    """`curator finalize` marks run.json done; the runner resets that on every submission."""
    entry = queue.get((job_id, None))
    if run.get("status") == "done":
        return TaskCounts(done=1)
    if entry is None or entry.never_starts:
        started = (layout.logs(FINALIZE_JOB) / f"slurm-{job_id}.out").is_file()
        return TaskCounts(failed=int(started), not_run=int(not started))
    return TaskCounts(pending=1) if entry.state == "PENDING" else TaskCounts(running=1)


class SlurmExecutor:
    """Queues the jobs as Slurm job arrays (and the finalize job) and returns at once."""

    kind: ClassVar[str] = "slurm"
    waits: ClassVar[bool] = False

    def ensure_idle(self, layout: RunLayout) -> None:
        ensure_no_active_jobs(layout)

    def submit(self, jobs: list[Job], loaded: LoadedConfig, layout: RunLayout, progress=None) -> dict:
        if progress is not None:
            progress.close()  # nothing runs here to show
        return {"slurm": submit_jobs(jobs, loaded, layout)}

    def task_counts(self, layout: RunLayout, run: dict) -> dict[str, dict[str, int]]:
        return slurm_state(layout.root)
