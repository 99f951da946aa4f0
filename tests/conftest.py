"""Shared test helpers. Real data comes from ../shared/data through `shared_data`."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CURATOR_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"


# what curator derives once per machine and tests may share with it (rebuilding the block lists
# alone takes ~10 s); everything else of the cache is the test session's own
MACHINE_CACHES = ("url-blocklists", "regex", "jieba")


def pytest_configure(config):
    """The session gets a cache folder of its own (CURATOR_CACHE_DIR, inherited by the CLI and Slurm
    tasks the tests start): the record of the languages tasks met, which chooses what a local job
    loads before forking (text.tokenizers.worth_preloading), must hold the machine's real runs, not
    the forty languages of the tests. The derived caches are the machine's, linked."""
    from curator.core.paths import cache_root

    machine = cache_root()
    own = Path(tempfile.mkdtemp(prefix="curator-test-cache-"))
    for name in MACHINE_CACHES:
        try:
            (machine / name).mkdir(parents=True, exist_ok=True)
            (own / name).symlink_to(machine / name, target_is_directory=True)
        except OSError:
            pass  # built in the session's folder instead
    config._curator_cache = own
    os.environ["CURATOR_CACHE_DIR"] = str(own)


def pytest_unconfigure(config):
    own = getattr(config, "_curator_cache", None)
    if own is not None:
        shutil.rmtree(own, ignore_errors=True)  # the links only, not what they point to


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
