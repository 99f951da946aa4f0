"""curator installed from its wheel, away from the repository, runs a config and applies the
per-language profiles shipped inside the wheel.

The wheel is built from this checkout and installed (without dependencies) into a fresh venv under
a temporary folder outside the repository. The dependencies come from the interpreter running the
tests, through a path-only .pth file: Python adds that site-packages folder to sys.path but does
not execute its .pth files, so the checkout's editable install of curator stays invisible and the
only curator the venv can import is the wheel's (asserted). PYTHONPATH is removed for the same reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, SAMPLE_DIR

SAMPLE_WARC = "cc-main-2020-34-excerpt.warc.gz"  # 16 real Common Crawl pages in several languages
CONFIG = f"""\
name: wheel-check
input:
  format: warc
  paths: [{SAMPLE_WARC}]
output: out
executor: {{kind: local, tasks: 1, workers: 1}}
report: false
stages:
  - extract: {{engine: trafilatura}}
  - lid: {{}}
  - filters: {{}}
"""


def _run(args: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (
        f"{args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def _removed_reasons(output: Path) -> dict[str, tuple[str, str]]:
    """id -> (language, reason) of every document the filters stage removed."""
    out = {}
    for path in sorted((output / "removed" / "filters").rglob("*.parquet")):
        for row in pq.read_table(path, columns=["id", "language", "reason"]).to_pylist():
            out[row["id"]] = (row["language"], row["reason"])
    return out


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    assert not tmp_path.resolve().is_relative_to(PROJECT_ROOT.resolve())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}

    # 1. build the wheel from the checkout (setup.py's build_py copies lang_profiles/ and models/ in)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", PROJECT_ROOT, "--no-deps", "-q", "-w", dist], tmp_path, env)
    (wheel,) = dist.glob("curator-*.whl")

    # 2. a fresh venv; the test interpreter's packages as dependencies; curator from the wheel only
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], tmp_path, env)
    python = venv / "bin" / "python"
    venv_site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, env
        ).stdout.strip()
    )
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (venv_site / "zz_curator_test_deps.pth").write_text("".join(f"{p}\n" for p in deps))
    _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], tmp_path, env)
    where = _run(
        [python, "-c", "import curator.core.paths as p; print(p.__file__); print(p.DEFAULT_PROFILES_DIR)"],
        tmp_path,
        env,
    ).stdout.split()
    module_file, profiles_dir = Path(where[0]), Path(where[1])
    assert module_file.is_relative_to(venv_site), f"curator imported from {module_file}, not the wheel"
    assert profiles_dir.is_relative_to(venv_site / "curator" / "bundled")
    assert (venv_site / "curator" / "bundled" / "models" / "quality-web.ftz").is_file()

    # 3. a config and a sample WARC in a folder outside the repository; run the wheel's `curator` there
    work = tmp_path / "work"
    work.mkdir()
    shutil.copyfile(SAMPLE_DIR / SAMPLE_WARC, work / SAMPLE_WARC)
    (work / "run.yaml").write_text(CONFIG)
    default_only = work / "default-only"
    default_only.mkdir()
    shutil.copyfile(profiles_dir / "default.yaml", default_only / "default.yaml")
    curator = venv / "bin" / "curator"
    _run([curator, "run", "run.yaml"], work, env)
    # the same run with the wheel's default.yaml for every language: what per-language profiles change
    _run(
        [
            curator,
            "run",
            "run.yaml",
            "--set",
            "output=out-default",
            "--set",
            "stages[2].filters.profiles=default-only",
        ],
        work,
        env,
    )

    written = list((work / "out" / "data").rglob("*.parquet"))
    assert written and sum(pq.read_metadata(p).num_rows for p in written) > 0
    stats = json.loads((work / "out" / "stats" / "filters.json").read_text())
    assert stats["docs_in"] > stats["docs_out"] > 0

    # per-language profiles from the wheel were applied: some documents fare differently than under
    # default.yaml alone, and each of them is in a language the wheel ships its own profile for
    per_language, default = _removed_reasons(work / "out"), _removed_reasons(work / "out-default")
    changed = {i for i in per_language.keys() | default.keys() if per_language.get(i) != default.get(i)}
    assert changed, "the bundled per-language profiles changed no filter decision"
    for doc_id in changed:
        language = (per_language.get(doc_id) or default.get(doc_id))[0]
        assert (profiles_dir / f"{language}.yaml").is_file(), f"{doc_id}: {language} has no bundled profile"
