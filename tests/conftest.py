"""Shared test helpers. Real data comes from ../shared/data through `shared_data`."""

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CURATOR_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"


def shared_data(relpath: str) -> Path:
    """Path to a file or folder under ../shared/data. Missing data fails under CI, skips elsewhere."""
    path = SHARED_DATA / relpath
    if not path.exists():
        message = f"shared test data missing: {path} (expected ../shared/data beside the project)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """configs/demo.yaml run once per test session (local executor); returns its output folder."""
    from curator.config import load_config
    from curator.exec.run import run

    out = tmp_path_factory.mktemp("demo") / "run"
    run(load_config(PROJECT_ROOT / "configs" / "demo.yaml", [f"output={out}"]))
    return out
