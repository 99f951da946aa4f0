"""Writes how many documents this task has emitted so far, for live progress and `curator status`."""

from __future__ import annotations

import time
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.core.atomic import write_json_atomic


class ProgressBeacon(PipelineStep):
    name = "📡 progress"
    type = "📊 - COUNT"

    def __init__(self, logs_dir: str | Path, every_seconds: float = 2.0):
        super().__init__()
        self.logs_dir = Path(logs_dir)
        self.every_seconds = every_seconds

    def _write(self, rank: int, docs: int, started: float, done: bool):
        write_json_atomic(
            self.logs_dir / "progress" / f"{rank:05d}.json",
            {"docs_out": docs, "started": started, "updated": time.time(), "done": done},
            indent=None,
        )

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        started = last = time.time()
        n = 0
        self._write(rank, 0, started, False)
        for doc in data:
            n += 1
            now = time.time()
            if now - last >= self.every_seconds:
                self._write(rank, n, started, False)
                last = now
            yield doc
        self._write(rank, n, started, True)
