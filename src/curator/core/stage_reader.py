"""Reads the previous document job's output: task r reads <rank>.parquet, so per-task side files
of different jobs describe the same documents."""

from __future__ import annotations

from pathlib import Path

from datatrove.data import DocumentsPipeline

from curator.core.readers import ParquetDocReader


class StageOutputReader(ParquetDocReader):
    name = "📒 previous stage"

    def __init__(self, folder: str | Path):
        super().__init__([])
        self.folder = Path(folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        path = self.folder / f"{rank:05d}.parquet"
        if path.is_file():  # a task with no documents left writes no file
            yield from self.read_file(str(path))
