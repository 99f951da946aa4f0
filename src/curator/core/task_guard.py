"""First step of every job: a task process dies with the process that started it.

Without it, `kill -9` of a local `curator run` leaves its pool workers running as orphans that
keep writing outputs while the resumed run rewrites the same files.
"""

from __future__ import annotations

import ctypes
import os
import signal

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: nothing to do
        pass


class TaskGuard(PipelineStep):
    name = "🛡 task guard"
    type = "⚙ - SETUP"

    def __init__(self):
        super().__init__()
        self.launcher_pid = os.getpid()

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if os.getpid() != self.launcher_pid:  # a pool worker, not the CLI process itself
            die_with_parent()
            if os.getppid() == 1:  # the launcher died before we armed the signal
                os._exit(1)
        if data:
            yield from data
