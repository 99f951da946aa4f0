"""Write a file so readers see the old version or the complete new one, never a partial file.

The temp name is hidden (leading dot: ignored by pyarrow datasets and curator's readers) and unique
per process (an orphaned task of a killed run never shares a temp file with the rerun).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temp_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path to write; renamed over `path` only if the block finishes without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | Path, data, indent: int | None = 2) -> None:
    write_text_atomic(path, json.dumps(data, indent=indent, default=str, ensure_ascii=False) + "\n")
