"""Where bundled data is found: from a checkout, the repository's top-level folders (the wheel's copy
is checked by tests/test_wheel.py); and src/ computes no other repository-relative path."""

import re
from pathlib import Path

import pytest

from curator.core import paths
from tests.conftest import PROJECT_ROOT

SRC = PROJECT_ROOT / "src" / "curator"


def test_checkout_reads_the_top_level_folders():
    assert paths.DEFAULT_PROFILES_DIR == PROJECT_ROOT / "lang_profiles"
    assert (paths.DEFAULT_PROFILES_DIR / "default.yaml").is_file()
    assert paths.DEFAULT_QUALITY_MODEL == PROJECT_ROOT / "models" / "quality-web.ftz"
    assert paths.DEFAULT_QUALITY_MODEL.is_file()


def test_only_bundled_folders_are_served():
    with pytest.raises(ValueError, match="not bundled"):
        paths.bundled("data")


def test_no_other_module_climbs_out_of_the_package():
    """Paths above the package (parents[n], parent.parent, PROJECT_ROOT) break in a wheel: only
    core/paths.py may know about the checkout."""
    climbing = re.compile(r"parents\[\d\]|parent\.parent|PROJECT_ROOT")
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path != SRC / "core" / "paths.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if climbing.search(line)
    ]
    assert not offenders, offenders
    assert Path(paths.__file__).resolve().is_relative_to(SRC)
