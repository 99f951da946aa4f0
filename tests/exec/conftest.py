"""Fixtures of the executor tests: the single-node Slurm of scripts/slurm-local.sh (under CI, which
starts it, its absence is a failure, elsewhere a skip), an S3 server on loopback, and the run config
and output reading the remote-input tests share."""

import os
import shutil
import subprocess
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import yaml

READY_STATES = {"idle", "mixed", "allocated", "completing"}


def _slurm_problem() -> str | None:
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "Slurm is not installed"
    try:
        done = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 10 s"
    states = {s.strip().rstrip("*~#") for s in done.stdout.split()}
    if done.returncode != 0 or not states & READY_STATES:
        return f"no Slurm node ready (sinfo: {done.stdout.strip() or done.stderr.strip()})"
    return None


@pytest.fixture(scope="session")
def slurm_cluster() -> None:
    """A Slurm that accepts jobs: `scripts/slurm-local.sh start` (as root) brings one up."""
    problem = _slurm_problem()
    if problem:
        message = f"{problem}; start it with `scripts/slurm-local.sh start`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def s3_server(monkeypatch):
    """moto's S3 in server mode on 127.0.0.1 (what fsspec/s3fs test against); fake credentials."""
    from moto.server import ThreadedMotoServer

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def write_run_config(
    folder: Path,
    name: str,
    run_name: str,
    inp: dict,
    stages: list,
    output: str | Path | None = None,
    executor: dict | None = None,
    **top,
) -> Path:
    """folder/name.yaml: a two-task local run of `stages` over `inp`, output in folder/name (or
    `output`: a folder or a store URL), no report; `executor` entries override the executor's
    (one worker), `top` adds top-level keys (`output_store`...)."""
    cfg = {
        "name": run_name,
        "input": inp,
        "output": str(output or folder / name),
        "executor": {"tasks": 2, "workers": 1, **(executor or {})},
        "report": False,
        "stages": stages,
        **top,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    return path


def output_documents(out: Path) -> dict[str, str]:
    """id -> text of a run's OUTPUT/data."""
    rows = ds.dataset(out / "data", format="parquet").to_table(columns=["id", "text"]).to_pylist()
    return {r["id"]: r["text"] for r in rows}
