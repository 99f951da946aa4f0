"""Where curator's bundled data lives, and the fixed layout of a run's output folder.

The bundled data (`lang_profiles/`, the default quality model in `models/`) lives at the top of the
repository, where people edit it and the docs point. A wheel carries a copy inside the package,
`curator/bundled/<folder>/`, made by the build (setup.py's build_py): an installed curator has no
repository beside it. From a checkout (editable install, or src/ on PYTHONPATH) the top-level
folders are used, so an edited profile takes effect without a rebuild. This module is the one place
that knows either location.
"""

import os
from importlib import resources
from pathlib import Path

from curator.core.names import safe_join

BUNDLED_FOLDERS = ("lang_profiles", "models")  # what the wheel copies into curator/bundled/


def checkout_root() -> Path | None:
    """The repository when curator runs from its src/ folder (editable install or PYTHONPATH), else None."""
    package = Path(__file__).resolve().parent.parent  # .../src/curator
    root = package.parent.parent
    if package.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None


def bundled(folder: str) -> Path:
    """A bundled data folder (one of BUNDLED_FOLDERS): the checkout's top-level one, else the wheel's copy.

    Installed packages are unpacked on disk (fastText and the profile loader need real paths), so
    the package resource is a plain Path."""
    if folder not in BUNDLED_FOLDERS:
        raise ValueError(f"{folder!r} is not bundled with curator (one of {BUNDLED_FOLDERS})")
    root = checkout_root()
    if root is not None:
        return root / folder
    return Path(str(resources.files("curator") / "bundled" / folder))


def cache_root() -> Path:
    """Where curator keeps what it derives once per machine (parsed block lists, compiled regexes):
    $CURATOR_CACHE_DIR, else $XDG_CACHE_HOME/curator, else ~/.cache/curator. Losing it costs time only."""
    if env := os.environ.get("CURATOR_CACHE_DIR"):
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "curator"


DEFAULT_PROFILES_DIR = bundled("lang_profiles")
DEFAULT_QUALITY_MODEL = bundled("models") / "quality-web.ftz"


class RunLayout:
    """The output layout of a run. Reports, checks and users rely on these names: change none of them."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def run_json(self) -> Path:
        return self.root / "run.json"

    def stage(self, name: str) -> Path:
        """Intermediate outputs of a stage or job (documents or side files)."""
        return safe_join(self.root / "stages", name, resolve=False)

    def removed(self, stage: str) -> Path:
        return safe_join(self.root / "removed", stage, resolve=False)

    def stats(self, stage: str) -> Path:
        return safe_join(self.root / "stats", f"{stage}.json", resolve=False)

    def logs(self, job: str) -> Path:
        return safe_join(self.root / "logs", job, resolve=False)

    @property
    def mix(self) -> Path:
        return self.root / "mix"

    @property
    def mix_json(self) -> Path:
        """Beside mix/, not in it: data folders hold only Parquet (datasets and pyarrow read them whole)."""
        return self.root / "mix.json"
