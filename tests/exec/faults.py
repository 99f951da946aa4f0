"""Pipeline steps that break their task on purpose, once: the shapes of issue #17's hangs.

Each acts on one rank only and only while its marker file does not exist (it creates it first),
so the same config, rerun, completes: what a resumed run must then produce is known.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep


class _Once(PipelineStep):
    type = "💥 - FAULT"

    def __init__(self, marker: str, rank: int = 1):
        super().__init__()
        self.marker, self.on_rank = marker, rank

    def first_time(self, rank: int) -> bool:
        if rank != self.on_rank or Path(self.marker).exists():
            return False
        Path(self.marker).touch()
        return True


class KillOnce(_Once):
    """The task's process is SIGKILLed after its first document (as the OOM killer would)."""

    name = "💥 kill once"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for i, doc in enumerate(data or []):
            if i == 1 and self.first_time(rank):
                os.kill(os.getpid(), signal.SIGKILL)
            yield doc


class StallOnce(_Once):
    """The task stops producing anything (as a worker blocked on an inherited lock would)."""

    name = "💤 stall once"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for i, doc in enumerate(data or []):
            if i == 1 and self.first_time(rank):
                time.sleep(3600)
            yield doc
