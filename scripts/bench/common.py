"""Helpers shared by the end-to-end and memory benchmarks: input, datatrove's reference thresholds,
the curator config they run, and the printed table (measurements: scripts/devtools/measure.py).

The input is ../shared/data/bench/real-pages.warc.gz (1,171 real pages) linked N times: readers shard
by file, so N files give every task its own share and a run N times as long.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.shared import PROJECT_ROOT, lid176_path, shared_data  # noqa: E402

BENCH_WARC = shared_data("bench", "real-pages.warc.gz")
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
    """lid.176.ftz as the pipeline finds it (never downloaded), as a string for configs."""
    return str(lid176_path())


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


def defaults_config(inputs: list[Path], output: Path, tasks: int, workers: int) -> dict:
    """The config a new user writes: every stage of the stock recipe with no options (bundled profiles,
    the default engines, URL filter and formatters on, removed documents written). No rebalance: the
    stock recipe has none, so the two runs do the same stages."""
    return {
        "name": "bench-defaults",
        "input": {"format": "warc", "paths": [str(p) for p in inputs]},
        "output": str(output),
        "executor": {"kind": "local", "tasks": tasks, "workers": workers},
        "report": False,
        "stages": [{"extract": {}}, {"lid": {}}, {"filters": {}}, {"dedup": {}}, {"quality": {}}],
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


def run_python(args: list[str], log: Path) -> subprocess.Popen:
    """Start this venv's Python on `args` (a bench script's own sub-command), its output into `log`."""
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, *args], cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT
        )


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
