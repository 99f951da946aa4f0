#!/usr/bin/env python
"""Build data/lm-text/<language>.txt.gz: licensed training text for fluency models of languages
that lid-dev and the UDHR bundle lack (today: Assamese), from translation catalogues of Debian
packages.

    python scripts/make_lm_text.py        # rebuilds every file of data/lm-text/ byte for byte

Why translation catalogues: a translated program's messages are written by native speakers, are
licensed with the program, and many are full sentences (LibreOffice's tooltips and function
descriptions). They are UI text, not web prose, so they teach word order, not a domain.

The files are committed (small, gzip mtime 0), so `make lm-models` / `curator quality train-lm`
use them offline; this script is only for rebuilding or adding a language. It fetches the pinned
packages with `apt-get download` into build/lm-text/ and checks their sha256.
"""

from __future__ import annotations

import gettext
import gzip
import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "lm-text"
DEBS = ROOT / "build" / "lm-text"

# language label -> (package, version, sha256 of the .deb, catalogue locale, licence)
SOURCES = {
    "asm_Beng": (
        "libreoffice-l10n-as",
        "4:7.4.7-1+deb12u14",
        "6bf0a1c2ed8bf5d98b3aeef8f61a66ba6d0ca24e0861dafe09cab48ab5684cd7",
        "as",
        "MPL-2.0 (LibreOffice translations)",
    ),
}
MIN_WORDS = 4  # shorter messages are labels and menu items (navigation, not prose)
_MARKUP = re.compile(r"<[^>]+>")
# printf/LibreOffice placeholders (%s, %1, %PRODUCTNAME, $(ARG1), $file$, {0}) and accelerator marks
_PLACEHOLDER = re.compile(r"%[0-9]*[A-Za-z]+|%[0-9]+|\$\(?[A-Za-z0-9_]+\)?\$?|\{[^}]*\}|[~_&]")


def messages(mo: Path) -> list[str]:
    """The translated messages of one catalogue, markup and placeholders removed."""
    with mo.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    out = []
    for key, value in catalog.items():
        if not key or not isinstance(value, str):
            continue
        for line in value.splitlines():
            line = " ".join(_PLACEHOLDER.sub(" ", _MARKUP.sub(" ", line)).split())
            if len(line.split()) >= MIN_WORDS:
                out.append(line)
    return out


def deb_file(package: str, version: str) -> Path:
    DEBS.mkdir(parents=True, exist_ok=True)
    found = sorted(DEBS.glob(f"{package}_*.deb"))
    if not found:
        cmd = ["apt-get", "download", f"{package}={version}"]
        if subprocess.run(cmd, cwd=DEBS).returncode != 0:
            subprocess.run(["apt-get", "update"], check=False)
            if subprocess.run(cmd, cwd=DEBS).returncode != 0:
                sys.exit(f"cannot download {package}={version} (needs apt and Debian's mirror)")
        found = sorted(DEBS.glob(f"{package}_*.deb"))
    return found[-1]


def build(language: str) -> Path:
    package, version, sha256, locale, licence = SOURCES[language]
    deb = deb_file(package, version)
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    if sha256 and digest != sha256:
        sys.exit(f"{deb}: sha256 {digest}, expected {sha256} (another version? pin it in SOURCES)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        lines: set[str] = set()
        for mo in sorted(Path(tmp).rglob(f"{locale}/LC_MESSAGES/*.mo")):
            lines.update(messages(mo))
    out = OUT / f"{language}.txt.gz"
    OUT.mkdir(parents=True, exist_ok=True)
    data = "".join(f"{line}\n" for line in sorted(lines)).encode("utf-8")
    with out.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as f:
        f.write(data)
    words = sum(len(line.split()) for line in lines)
    print(f"{out.relative_to(ROOT)}: {len(lines)} lines, {words} words from {deb.name} (sha256 {digest})")
    print(f"  licence: {licence}")
    return out


if __name__ == "__main__":
    for name in sys.argv[1:] or SOURCES:
        build(name)
