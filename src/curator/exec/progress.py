"""Live progress of a local run (rich): per job, tasks done/total, documents/s, kept so far, ETA.
Only used when attached to a terminal; otherwise the runner logs job starts and ends."""

from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.live import Live
from rich.table import Table

from curator.core.paths import RunLayout
from curator.exec.status import job_state


class ProgressReporter:
    def __init__(self, loaded, refresh_seconds: float = 1.0):
        self.layout = RunLayout(loaded.output_dir)
        self.refresh_seconds = refresh_seconds
        self.console = Console(stderr=True)
        self.finished: list[dict] = []
        self._job = None
        self._t0 = None
        self._stop = threading.Event()
        self._thread = None
        self._live = None

    def _table(self) -> Table:
        table = Table(title="curator run", expand=False)
        for col in ("job", "tasks", "docs kept", "docs/s", "elapsed", "ETA"):
            table.add_column(col, justify="right" if col != "job" else "left")
        for row in self.finished:
            table.add_row(*row.values())
        if self._job is not None:
            table.add_row(*self._row(self._job, running=True).values())
        return table

    def _row(self, job, running: bool) -> dict:
        st = job_state(self.layout, job.describe(), running)
        elapsed = time.time() - self._t0
        rate = st.docs_out / elapsed if elapsed > 0 else 0.0
        eta = "-"
        if running and st.done:
            eta = f"{elapsed / st.done * (job.tasks - st.done):.0f}s"
        return {
            "job": job.name,
            "tasks": f"{st.done}/{job.tasks}" + (f" ({len(st.failed)} failed)" if st.failed else ""),
            "kept": f"{st.docs_out:,}" if job.kind == "documents" else "-",
            "rate": f"{rate:,.0f}" if job.kind == "documents" else "-",
            "elapsed": f"{elapsed:.0f}s",
            "eta": eta if running else "done",
        }

    def _loop(self):
        while not self._stop.wait(self.refresh_seconds):
            self._live.update(self._table())

    def job_started(self, job):
        self._job, self._t0 = job, time.time()
        if self._live is None:
            self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
            self._live.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def job_finished(self, job):
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.finished.append(self._row(job, running=False))
        self._job = None
        self._live.update(self._table())

    def close(self):
        self._stop.set()
        if self._live is not None:
            self._live.stop()
