"""Live progress of a local run (rich): per job, tasks done/total, documents/s, kept so far, ETA.
Only used when attached to a terminal; otherwise the local executor prints a line per job start/end.

No thread: the local executor's supervision loop calls `refresh()` (issue #17: a refresh thread
holding rich's console lock while the executor forked a task left that lock locked in the task,
which hung on its first log line). And no redirection of stdout/stderr: a forked task writes to
the real stderr, never into this process's console.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table

from curator.core.paths import RunLayout
from curator.exec.state import job_state


class ProgressReporter:
    def __init__(self, loaded, refresh_seconds: float = 1.0):
        self.layout = RunLayout(loaded.output_dir)
        self.refresh_seconds = refresh_seconds
        self.console = Console(stderr=True)
        self.finished: list[dict] = []
        self._job = None
        self._t0 = None
        self._drawn = 0.0
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
        st = job_state(self.layout, job.describe())
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

    def _draw(self) -> None:
        self._live.update(self._table(), refresh=True)
        self._drawn = time.monotonic()

    def job_started(self, job):
        self._job, self._t0 = job, time.time()
        if self._live is None:
            self._live = Live(
                self._table(),
                console=self.console,
                auto_refresh=False,  # no refresh thread (see the module's docstring)
                redirect_stdout=False,
                redirect_stderr=False,
                transient=False,
            )
            self._live.start()
        self._draw()

    def refresh(self):
        """Redraw the table if it is older than refresh_seconds (called by the executor's loop)."""
        if self._live is not None and time.monotonic() - self._drawn >= self.refresh_seconds:
            self._draw()

    def job_finished(self, job):
        self.finished.append(self._row(job, running=False))
        self._job = None
        self._draw()

    def close(self):
        if self._live is not None:
            self._live.stop()
            self._live = None
