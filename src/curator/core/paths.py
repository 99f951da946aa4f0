"""Where curator's bundled data lives, and the fixed layout of a run's output folder."""

from pathlib import Path

from curator.core.names import safe_join

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# src/curator -> project root (editable install, the supported way to run curator)
PROJECT_ROOT = PACKAGE_DIR.parent.parent
DEFAULT_PROFILES_DIR = PROJECT_ROOT / "lang_profiles"


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
