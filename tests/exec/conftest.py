"""The Slurm tests need the single-node Slurm of scripts/slurm-local.sh. Under CI (which starts it)
its absence is a failure, elsewhere a skip."""

import os
import shutil
import subprocess

import pytest

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
