"""kill -9 of `curator run` at several moments, then the same command again: the same final
documents as an uninterrupted run, none lost, none duplicated."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

ROOT = Path(__file__).resolve().parent.parent
CURATOR = [sys.executable, "-m", "curator.cli"]


# every stage of the demo, with its lighter engines so that four runs fit in a test
LIGHTER = ["--set", "stages[0].extract.engine=fast", "--set", "stages[1].lid.engine=fasttext"]


def run_cli(output: Path, *extra) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *CURATOR,
            "run",
            str(ROOT / "configs" / "demo.yaml"),
            "--set",
            f"output={output}",
            "--set",
            "report=false",
            *LIGHTER,
            "--no-progress",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=ROOT,
    )


def final_ids(output: Path) -> list[str]:
    return sorted(
        ds.dataset(output / "data", format="parquet").to_table(columns=["id"]).column("id").to_pylist()
    )


@pytest.mark.slow
def test_kill_at_several_points_then_resume(tmp_path):
    reference = tmp_path / "reference"
    t0 = time.time()
    proc = run_cli(reference)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()[-2000:]
    duration = time.time() - t0
    expected = final_ids(reference)
    assert expected and len(expected) == len(set(expected))

    for i, fraction in enumerate((0.25, 0.5, 0.8)):
        out = tmp_path / f"killed-{i}"
        proc = run_cli(out)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole run: CLI and its task processes
        proc.wait()
        # no partial Parquet is visible to a reader after the kill
        for f in (out / "data").rglob("*.parquet") if (out / "data").exists() else []:
            ds.dataset(f, format="parquet").count_rows()
        resumed = run_cli(out)
        _, err = resumed.communicate(timeout=900)
        assert resumed.returncode == 0, err.decode()[-2000:]
        assert final_ids(out) == expected, f"kill at {fraction:.0%} of the run"
