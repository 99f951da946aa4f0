"""Build step that pyproject.toml cannot express: copy the repository's bundled data into the wheel.

`lang_profiles/` and `models/` stay at the top of the repository (the documented layout, edited
there); a wheel has no repository beside it, so build_py copies them into the package as
`curator/bundled/<folder>/`, where `curator.core.paths.bundled` finds them. Editable installs skip
the copy: from a checkout the top-level folders are read directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# folder -> files shipped (models/: the default quality classifier, its metrics, recipe and licence notes)
BUNDLED = {
    "lang_profiles": ["*.yaml", "CALIBRATION.md"],
    "models": ["quality-web.*", "PROVENANCE.md"],
}


class BuildPyWithBundledData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, patterns in BUNDLED.items():
            files = sorted({p for pattern in patterns for p in (ROOT / folder).glob(pattern)})
            if not files:
                raise SystemExit(f"{ROOT / folder}: nothing to bundle ({patterns}); is this a full checkout?")
            target = Path(self.build_lib) / "curator" / "bundled" / folder
            target.mkdir(parents=True, exist_ok=True)
            for path in files:
                shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithBundledData})
