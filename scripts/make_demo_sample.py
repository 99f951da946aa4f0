"""Build data/sample/demo-pages.warc.gz: byte-exact gzip members (records) copied from ../shared/data.

- 2 pages for each of 30 languages from lid-dev/lingua-pages.warc.gz (real Leipzig-corpora sentences
  in an HTML page with English boilerplate; truth: the URL path names the language);
- 40 real web pages from bench/real-pages.warc.gz (html-gold: trafilatura eval + scrapinghub pages).
Each record is one gzip member upstream, so copying members keeps every byte as published.
Run: .venv/bin/python scripts/make_demo_sample.py
"""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: scripts.devtools
from scripts.devtools.shared import PROJECT_ROOT, shared_data  # noqa: E402

SHARED = shared_data()
OUT = PROJECT_ROOT / "data" / "sample" / "demo-pages.warc.gz"


def members(path: Path):
    """Yield the raw bytes of each gzip member of a multi-member gzip file."""
    data = path.read_bytes()
    pos = 0
    while pos < len(data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        d.decompress(data[pos:])
        used = len(data) - pos - len(d.unused_data)
        yield data[pos : pos + used]
        pos += used


def header(member: bytes, name: str) -> str | None:
    head = gzip.decompress(member)[:4096].decode("utf-8", "replace")
    for line in head.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return None


def main():
    chosen = []
    per_language: dict[str, int] = {}
    for m in members(SHARED / "lid-dev" / "lingua-pages.warc.gz"):
        url = header(m, "WARC-Target-URI")
        if not url:
            continue
        lang = url.split("/")[-2]
        if len(per_language) >= 30 and lang not in per_language:
            continue
        if per_language.get(lang, 0) < 2:
            per_language[lang] = per_language.get(lang, 0) + 1
            chosen.append(m)
    n = 0
    for m in members(SHARED / "bench" / "real-pages.warc.gz"):
        if header(m, "WARC-Type") != "response":
            continue
        chosen.append(m)
        n += 1
        if n >= 40:
            break
    buf = io.BytesIO()
    for m in chosen:
        buf.write(m)
    OUT.write_bytes(buf.getvalue())
    print(
        f"{OUT}: {len(chosen)} records, {OUT.stat().st_size / 1e6:.2f} MB, languages: {sorted(per_language)}"
    )


if __name__ == "__main__":
    main()
