"""The local executor: each job's tasks run as processes forked from this one, supervised so that no
wait is without end.

Why not datatrove's LocalPipelineExecutor.run: it hands the tasks to a multiprocessing pool and
waits in `IMapIterator.next`, which waits for ever when a worker dies (OOM killer, SIGKILL, a
segfault in a C extension) or blocks (issue #17: a worker forked while the parent's rich refresh
thread held the console lock blocked on its first log line). Here each task is one forked
process, watched through its exit sentinel:
- a task that dies or fails stops the job at once, with a message naming the job, the task, the
  cause (exception, signal, disk full) and its log; the other tasks are stopped; rerunning the
  same command resumes (datatrove's completion markers, as before);
- a task that shows no sign of progress (no log line, no progress beacon update) for
  `executor.stall_seconds` gets its Python stack dumped into its log (faulthandler), is killed,
  and the run stops the same way.
Tasks still run datatrove's own `_run_for_rank` (task logger, stats/<rank>.json, completion marker).

Fork safety: the parent forks only from its main thread, with no other thread alive (the progress
display refreshes from the supervision loop, not from a thread, and does not redirect stderr;
fsspec's IO thread is the one exception: fsspec gives the child a new lock and loop after a fork),
so no lock a child inherits (loguru's handler locks, rich's console lock, stdio buffers) can be held at
the fork: a lock is only ever taken by the main thread, and the main thread is the one forking. curator
starts no thread of its own; threads of a program that embeds it (a notebook kernel, a test's server) get
one warning, and the stall watchdog bounds any hang they could cause.
A task's first act in datatrove is `logger.remove()`, so it never writes to the parent's sinks.
"""

from __future__ import annotations

import errno
import faulthandler
import gc
import json
import multiprocessing
import os
import platform
import resource
import signal
import sys
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click
from loguru import logger

from curator.core import compat
from curator.core.errors import CuratorError
from curator.core.paths import RunLayout
from curator.core.stats import write_stage_stats
from curator.core.store import RunStore, run_task
from curator.exec.state import TaskCounts, completed_tasks, job_state, task_log

if TYPE_CHECKING:
    from curator.config.loader import LoadedConfig
    from curator.graph import Job

TICK_SECONDS = 0.5  # how often the supervisor looks at its tasks (and refreshes the progress table)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def cpu_seconds() -> float:
    """User+system time of this process and of its children that have ended (a job's task workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def shared_with_workers(
    pipeline: list, preload: bool = True, tasks: int | None = None, docs_per_task: float | None = None
):
    """Prepare this process for a job's tasks to fork from it: the steps' preload (imports every task
    would repeat), then a GC freeze, so the tasks' collections neither scan nor copy the objects they
    inherit (Python's advice for fork without exec)."""
    from curator.core.preload import preload as preload_steps

    done = {"preload": 0.0}  # seconds of the preload, once per job (run.json job_seconds)
    if preload:
        start = time.perf_counter()
        preload_steps(pipeline, tasks, docs_per_task)
        done["preload"] = round(time.perf_counter() - start, 2)
    gc.freeze()
    try:
        yield done
    finally:
        gc.unfreeze()


class TaskFailed(CuratorError):
    """A task of a local job died, failed or stalled; the message says which, why, and where its log is."""


def _disk_full(e: BaseException | None) -> bool:
    """Whether an exception (or one it was raised from) is a failed write for lack of space or quota.
    pyarrow raises OSError without errno, with the system's message in its text."""
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, OSError) and (
            e.errno in DISK_FULL or "No space left" in str(e) or "quota" in str(e)
        ):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def _task_main(
    executor, rank: int, local_rank: int, errors: Connection, log: Path, store: RunStore | None = None
) -> None:
    """Body of a task process: datatrove's task (then, with an output store, its uploads: core.store),
    its exception (if any) sent to the supervisor."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as stack_file:  # O_APPEND: the dump lands after datatrove's lines
        faulthandler.register(signal.SIGUSR1, file=stack_file, all_threads=True)
        try:
            run_task(executor, rank, store, lambda: executor._run_for_rank(rank, local_rank))
        except BaseException as e:  # noqa: BLE001  (everything goes to the supervisor, then exit 1)
            with suppress(OSError):
                errors.send(("disk_full" if _disk_full(e) else "error", f"{type(e).__name__}: {e}"[:4000]))
            raise SystemExit(1) from None
        finally:
            errors.close()


@dataclass
class _Task:
    rank: int
    slot: int
    process: multiprocessing.process.BaseProcess
    errors: Connection
    started: float
    log: Path
    beacon: Path

    def last_sign_of_life(self) -> float:
        """When this task last wrote its log or its progress beacon (or started)."""
        latest = self.started
        for path in (self.log, self.beacon):
            with suppress(OSError):
                latest = max(latest, path.stat().st_mtime)
        return latest


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


# threads of libraries that reset their state in the child after a fork (os.register_at_fork):
# fsspec's IO loop thread (fsspec.asyn.reset_after_fork: new lock, new loop in the child)
FORK_SAFE_THREADS = ("fsspecIO",)


def _threads_besides_main() -> list[str]:
    """Threads alive besides the main one and the fork-safe ones: none may exist at a fork."""
    return [
        t.name
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.name not in FORK_SAFE_THREADS
    ]


class JobRunner:
    """Runs the unfinished tasks of one job, at most `workers` at a time, and supervises them."""

    def __init__(
        self,
        job: Job,
        layout: RunLayout,
        workers: int,
        stall_seconds: float,
        verbose: bool = False,
        store: RunStore | None = None,
    ):
        from datatrove.executor.local import LocalPipelineExecutor

        self.job, self.layout, self.logs = job, layout, layout.logs(job.name)
        self.workers, self.stall_seconds, self.verbose = workers, stall_seconds, verbose
        self.store = store
        # datatrove's executor gives the tasks their logging folder, task logger, stats and markers
        self.executor = LocalPipelineExecutor(
            job.pipeline, tasks=job.tasks, workers=workers, logging_dir=str(self.logs), skip_completed=True
        )
        self.context = multiprocessing.get_context("fork")
        self.warned_threads = False

    def incomplete(self) -> list[int]:
        done = completed_tasks(self.logs)
        return [rank for rank in range(self.job.tasks) if rank not in done]

    def _start(self, rank: int, slot: int) -> _Task:
        others = _threads_besides_main()
        if others and not self.warned_threads:
            # curator itself starts no thread (see the module docstring); these belong to the program that
            # embeds curator (a notebook kernel, a test's HTTP server). A lock one of them holds at the fork
            # would be copied locked into the task: the stall watchdog turns such a hang into a failure.
            self.warned_threads = True
            logger.warning(
                f"job {self.job.name}: forking tasks while other threads run ({', '.join(others)}); "
                f"a task that stalls is stopped after executor.stall_seconds={self.stall_seconds:g}"
            )
        log = task_log(self.layout, self.job.name, rank)
        receive, send = self.context.Pipe(duplex=False)
        # local_rank 0 logs INFO to the console, any other only errors: quiet unless -v
        local_rank = 0 if self.verbose else slot + 1
        process = self.context.Process(
            target=_task_main,
            args=(self.executor, rank, local_rank, send, log, self.store),
            name=f"{self.job.name}-task{rank}",
        )
        process.start()
        send.close()
        beacon = self.logs / "progress" / f"{rank:05d}.json"
        return _Task(rank, slot, process, receive, time.time(), log, beacon)

    def _failure(self, task: _Task) -> str | None:
        """None if the task ended well (exit 0 and its completion marker), else what went wrong."""
        code = task.process.exitcode
        kind, detail = None, None
        with suppress(EOFError, OSError):
            if task.errors.poll():
                kind, detail = task.errors.recv()
        task.errors.close()
        if code == 0 and task.rank in completed_tasks(self.logs):
            return None
        if kind == "disk_full":
            return f"the disk is full ({detail}); free space (or quota) on the output's file system"
        if detail:
            return f"failed: {detail}"
        if code is not None and code < 0:
            cause = _signal_name(-code)
            hint = " (the out-of-memory killer? see `dmesg`)" if -code == signal.SIGKILL else ""
            return f"its process was killed by {cause}{hint}"
        return f"its process ended (exit code {code}) without completing the task"

    def _stop(self, tasks: dict[int, _Task]) -> None:
        for task in tasks.values():
            if task.process.is_alive():
                with suppress(ProcessLookupError):
                    os.kill(task.process.pid, signal.SIGKILL)
        for task in tasks.values():
            task.process.join(5)
            task.errors.close()

    def run(self, tick=None) -> None:
        ranks = self.incomplete()
        if not ranks:
            return
        self.executor.save_executor_as_json()
        pending, running = list(ranks), {}
        slots = list(range(min(self.workers, len(ranks))))
        try:
            while pending or running:
                while pending and slots:
                    task = self._start(pending.pop(0), slots.pop(0))
                    running[task.rank] = task
                ended = wait([t.process.sentinel for t in running.values()], timeout=TICK_SECONDS)
                for task in [t for t in running.values() if t.process.sentinel in ended]:
                    task.process.join()
                    del running[task.rank]
                    slots.append(task.slot)
                    problem = self._failure(task)
                    if problem:
                        raise TaskFailed(self._message(task, problem))
                now = time.time()
                for task in list(running.values()):
                    quiet = now - task.last_sign_of_life()
                    if self.stall_seconds and quiet > self.stall_seconds:
                        with suppress(ProcessLookupError):
                            os.kill(task.process.pid, signal.SIGUSR1)  # its Python stack, into its log
                        time.sleep(1)
                        problem = (
                            f"no progress for {quiet:.0f} s (no log line, no document; limit: "
                            f"executor.stall_seconds={self.stall_seconds:g}); it was stopped, its stack is at "
                            f"the end of its log"
                        )
                        raise TaskFailed(self._message(task, problem))
                if tick is not None:
                    tick()
        finally:
            self._stop(running)

    def _message(self, task: _Task, problem: str) -> str:
        return (
            f"job {self.job.name}, task {task.rank}: {problem}. Task log: {task.log}. "
            f"Fix the cause and rerun the same command: finished tasks are kept, this job resumes."
        )


@contextmanager
def _parent_log_sink(progress, verbose: bool):
    """This process's own log lines during the run: above the progress table (through its console,
    so the table is redrawn below them), warnings and errors only unless -v."""
    from loguru import logger

    if progress is None:
        yield
        return
    logger.remove()
    sink = logger.add(
        lambda m: progress.console.print(m.rstrip("\n"), markup=False, highlight=False),
        level="INFO" if verbose else "WARNING",
        format="{level}: {message}",
    )
    try:
        yield
    finally:
        logger.remove(sink)
        logger.add(sys.stderr)


def _process_start_ticks(pid: int) -> str | None:
    """A process's start time (clock ticks since boot): a pid and this identify one process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class LocalExecutor:
    """Runs the jobs here, in order, each job's tasks as supervised forked processes."""

    kind: ClassVar[str] = "local"
    waits: ClassVar[bool] = True

    def __init__(self, verbose: bool = False):
        self.verbose = verbose

    # --- the run's process: run.json says which one writes the folder -----------------------------

    @staticmethod
    def owner() -> dict:
        pid = os.getpid()
        return {"pid": pid, "host": platform.node(), "pid_start": _process_start_ticks(pid)}

    @staticmethod
    def _alive(owner: dict | None) -> bool:
        if not owner or owner.get("host") != platform.node() or owner.get("pid") == os.getpid():
            return False
        start = _process_start_ticks(owner["pid"])
        return start is not None and start == owner.get("pid_start")

    def ensure_idle(self, layout: RunLayout) -> None:
        if not layout.run_json.is_file():
            return
        try:
            run = json.loads(layout.run_json.read_text())
        except json.JSONDecodeError:
            return
        owner = run.get("local")
        if run.get("status") == "running" and self._alive(owner):
            raise CuratorError(
                f"{layout.root}: another `curator run` (pid {owner['pid']}) is writing to this folder; "
                f"wait for it (`curator status {layout.root}`) or stop it, then rerun"
            )

    # --- run ---------------------------------------------------------------------------------------

    def submit(self, jobs: list[Job], loaded: LoadedConfig, layout: RunLayout, progress=None) -> dict:
        """Run the jobs in order; returns each job's wall and CPU seconds (run.json `job_seconds`)."""
        try:
            with _parent_log_sink(progress, self.verbose), compat.loguru_lib_dirs_cache():
                return {"job_seconds": self._run_jobs(jobs, loaded, layout, progress)}
        finally:
            if progress is not None:
                progress.close()

    def _run_jobs(
        self, jobs: list[Job], loaded: LoadedConfig, layout: RunLayout, progress
    ) -> dict[str, dict]:
        executor = loaded.config.executor
        described = [j.describe() for j in jobs]
        store = loaded.output_store()  # each task uploads its outputs, then its marker
        seconds: dict[str, dict] = {}
        for job in jobs:
            runner = JobRunner(
                job, layout, min(executor.workers, job.tasks), executor.stall_seconds, self.verbose, store
            )
            todo = runner.incomplete()
            if progress is not None:
                progress.job_started(job)
            else:
                click.echo(f"{job.name}: {len(todo)} of {job.tasks} tasks to run", err=True)
            wall, cpu = time.perf_counter(), cpu_seconds()
            try:
                with shared_with_workers(
                    job.pipeline, preload=bool(todo), tasks=len(todo), docs_per_task=job.docs_per_task
                ) as shared:
                    runner.run(tick=progress.refresh if progress is not None else None)
            except TaskFailed:
                with suppress(OSError):  # the stats so far (rebuilt on resume); the disk may be full
                    write_stage_stats(described, layout)
                raise
            except Exception as e:
                with suppress(OSError):
                    write_stage_stats(described, layout)
                raise CuratorError(
                    f"job {job.name} failed: {type(e).__name__}: {e}. Task logs: {layout.logs(job.name)}/logs/. "
                    f"Fix the cause and rerun the same command to resume."
                ) from e
            write_stage_stats(described, layout)
            seconds[job.name] = {
                "wall": round(time.perf_counter() - wall, 2),
                "cpu": round(cpu_seconds() - cpu, 2),
                "preload": shared["preload"],
            }
            if progress is not None:
                progress.job_finished(job)
            else:
                click.echo(f"{job.name}: done in {seconds[job.name]['wall']:.1f} s", err=True)
        return seconds

    # --- state -------------------------------------------------------------------------------------

    def task_counts(self, layout: RunLayout, run: dict) -> dict[str, dict[str, int]]:
        """From the folder: started tasks without a marker run while the run's process lives, else failed."""
        from dataclasses import asdict

        alive = run.get("status") == "running" and self._alive(run.get("local"))
        counts = {}
        for job in run["jobs"]:
            st = job_state(layout, job)
            started = st.running + len(st.failed)
            running = st.running if alive else 0
            failed = started - running
            counts[job["name"]] = asdict(
                TaskCounts(
                    done=st.done, running=running, failed=failed, not_run=job["tasks"] - st.done - started
                )
            )
        return counts
