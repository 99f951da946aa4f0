"""CPU time, wall time and peak memory, each measured one way for every benchmark.

- CPU seconds: this process (all threads, `time.process_time`) plus, by default, its finished and
  waited-for children (`getrusage(RUSAGE_CHILDREN)`: executor workers, subprocess runs). The machine
  is shared, and CPU time is far steadier than wall time under other users' load.
- Peak memory of this process: VmHWM from /proc/self/status. Unlike ru_maxrss it is not carried
  over an exec from the parent, so a child started from a large benchmark reports its own peak.
- Peak memory of the waited-for children: ru_maxrss of RUSAGE_CHILDREN (the largest one).
- Peak memory of a live process tree, per phase: `TreeMemorySampler` (polls with psutil, the
  `bench` extra).
"""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Callable
from pathlib import Path


def cpu_seconds(children: bool = True) -> float:
    """CPU seconds (user + system) of this process, plus its waited-for children unless children=False."""
    seconds = time.process_time()
    if children:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds += usage.ru_utime + usage.ru_stime
    return seconds


def children_cpu_seconds() -> float:
    """CPU seconds of this process's waited-for children only (e.g. a `curator run` subprocess)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn):
    """(wall seconds, result) of fn()."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def timed_cpu(fn):
    """(wall seconds, CPU seconds of this process and its children, result) of fn()."""
    cpu = cpu_seconds()
    wall, result = timed(fn)
    return wall, cpu_seconds() - cpu, result


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, MB."""
    return _status_mb("VmHWM")


def current_rss_mb() -> float:
    """This process's resident memory now, MB."""
    return _status_mb("VmRSS")


def children_peak_rss_mb() -> float:
    """The peak resident memory of the largest waited-for child, MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class TreeMemorySampler:
    """Polls the RSS of a process and its descendants; keeps the peaks per phase.

    `phase_of()` names the current phase (e.g. the job running); per phase it keeps the largest
    single process (one task's worker) and the largest sum over the tree. Polling can miss a peak
    shorter than `interval`."""

    def __init__(self, pid: int, phase_of: Callable[[], str | None], interval: float = 0.05):
        import psutil

        self.root = psutil.Process(pid)
        self.phase_of = phase_of
        self.interval = interval
        self.peaks: dict[str, dict[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> tuple[int, int]:
        import psutil

        biggest = total = 0
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0, 0
        for proc in processes:
            try:
                rss = proc.memory_info().rss
            except psutil.Error:
                continue
            biggest, total = max(biggest, rss), total + rss
        return biggest, total

    def _loop(self) -> None:
        while not self._stop.is_set():
            phase = self.phase_of()
            if phase is not None:
                biggest, total = self._sample()
                peak = self.peaks.setdefault(phase, {"process": 0, "tree": 0})
                peak["process"] = max(peak["process"], biggest)
                peak["tree"] = max(peak["tree"], total)
            time.sleep(self.interval)
