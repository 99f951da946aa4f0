"""Values that become file names: language labels, stage/job/dump names, and the one safe path join.

Input data is untrusted (a Parquet `language` column may hold `../../x`, an absolute path, 300
characters or a NUL); a config is trusted like code but its names still become folder names. So a
value becomes a path component only if it matches a fixed shape, and every join of such a component
goes through `safe_join`, which refuses anything that would leave its base folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from curator.core.errors import CuratorError

# FineWeb2's form: ISO 639-3 code + ISO 15924 script (deu_Latn, cmn_Hani). Every label of the bundled
# label tables (text/data/*.tsv) and every lang_profiles/<label>.yaml has this shape.
LANGUAGE_LABEL = re.compile(r"[a-z]{3}_[A-Z][a-z]{3}")
# A document that has no language label yet (read before any `lid` stage, or whose incoming label was
# invalid): its folder is data/und/ and its stats are filed under lang/und/.
UNDETERMINED_LANGUAGE = "und"
# What a `lid` stage writes when it finds no language (an empty text, an engine that abstains): a
# full label in FineWeb2's form (ISO 15924 `Zyyy` = undetermined script). Distinct from
# UNDETERMINED_LANGUAGE on purpose: "identified as nothing" vs "never identified".
LID_UNDETERMINED = "und_Zyyy"
# Stage, job and dump names: one path component of letters, digits, '.', '_' and '-'.
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class UnsafePathError(CuratorError, ValueError):
    """A value would have become a path outside its base folder (or is not a valid name)."""


def is_language_label(value: object) -> bool:
    """True for `xxx_Scrp` labels and `und`: the only language values used as path components."""
    return isinstance(value, str) and (
        value == UNDETERMINED_LANGUAGE or LANGUAGE_LABEL.fullmatch(value) is not None
    )


def check_language_label(value: object, what: str = "language label") -> str:
    """The label itself, or UnsafePathError naming it (shortened: it may be 50 MB of hostile text)."""
    if not is_language_label(value):
        raise UnsafePathError(
            f"{what} {shorten(value)} is not a language label (expected xxx_Scrp, e.g. deu_Latn, or 'und')"
        )
    return value  # type: ignore[return-value]


def is_plain_name(value: object) -> bool:
    return isinstance(value, str) and PLAIN_NAME.fullmatch(value) is not None and value not in (".", "..")


def check_plain_name(value: object, what: str) -> str:
    """A stage, job or dump name that is safe as one folder or file name, else UnsafePathError."""
    if not is_plain_name(value):
        raise UnsafePathError(
            f"{what} {shorten(value)} cannot be used as a folder name: use 1-100 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return value  # type: ignore[return-value]


def shorten(value: object, limit: int = 60) -> str:
    """repr() of a value cut to `limit` characters, for error messages about untrusted values."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def safe_join(base: str | Path, *parts: str, resolve: bool = True) -> Path:
    """base/part/part...; refuses (UnsafePathError) a part that is absolute, empty, '.', '..', holds a
    NUL, or (resolve=True) a result that, symlinks resolved, is not inside `base`. resolve=False keeps
    the lexical checks only: for reads where a user's symlinked file is legitimate (lang_profiles/)."""
    base = Path(base)
    path = base
    for part in parts:
        pieces = Path(part).parts if isinstance(part, str) and "\x00" not in part else None
        if not pieces or Path(part).is_absolute() or part.split("/")[0] == "." or ".." in pieces:
            raise UnsafePathError(f"{shorten(part)} would leave {base}: refused as a path inside it")
        path = path / part
    if resolve:
        check_inside(path, base)
    return path


def check_inside(path: str | Path, base: str | Path) -> Path:
    """`path` itself if, symlinks and '..' resolved, it is `base` or inside it; else UnsafePathError."""
    real, real_base = os.path.realpath(path), os.path.realpath(base)
    if real != real_base and not real.startswith(real_base.rstrip(os.sep) + os.sep):
        raise UnsafePathError(f"{path} is outside {base}: refused")
    return Path(path)
