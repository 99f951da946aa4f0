"""Training data for the shipped quality classifier, from real, licensed, local text.

Positives are main text: gold article bodies and gold-marked paragraphs of real web pages
(html-gold), and the prose paragraphs of Debian's manuals in many languages. Negatives are what
a web page has besides its main text: the non-gold lines of the same pages, gold-marked
boilerplate (menus, footers, cookie banners), spammy Common Crawl pages, the navigation and
tables of contents of the same manuals, and user-interface strings (menus, buttons, country and
currency lists) from Debian's translation catalogues in the same languages as the positives, so
that the language of a text says nothing about its class.

Each source yields `Page`s (the text units of one page or file, split into positive and
negative); `chunk_page` joins consecutive units into documents of random length (the same length
distribution for both classes), so the classifier cannot learn length instead of quality.
"""

from __future__ import annotations

import gettext
import gzip
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from curator.stages.quality.text import Normalization, prepare_text
from curator.stages.quality.train import Example

_SPACES = re.compile(r"\s+")


@dataclass
class Page:
    group: str  # split key: the page or file the units come from
    source: str  # e.g. "html-gold/scrapinghub", "debian-faq:de"
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)


def squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def decode_html(raw: bytes) -> str:
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return bytes_to_str(raw, detect_encoding(raw))


def page_lines(html: str) -> list[str]:
    """Every text block of the page (main content and boilerplate alike), one per line."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    text = extract_plain_text(HTMLTree.parse(html), main_content=False, alt_texts=False)
    return [line for line in (squash(x) for x in text.splitlines()) if line]


def scrapinghub_pages(folder: Path) -> Iterator[Page]:
    """Gold article body paragraphs (positive) vs the page's lines that are not in the body."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id, item in sorted(truth.items()):
        body = item.get("articleBody") or ""
        html = decode_html(gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes()))
        squashed_body = squash(body)
        page = Page(f"scrapinghub/{page_id}", "html-gold/scrapinghub")
        page.positive = [p for p in (squash(x) for x in body.split("\n")) if p]
        page.negative = [line for line in page_lines(html) if line not in squashed_body]
        yield page


def trafilatura_pages(folder: Path) -> Iterator[Page]:
    """Page lines holding a gold `with` snippet (main text) vs lines holding only `without` ones."""
    with (folder / "gold.jsonl").open(encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            with_snippets = [squash(s) for s in item.get("with") or [] if squash(s)]
            without_snippets = [squash(s) for s in item.get("without") or [] if squash(s)]
            html = decode_html(gzip.decompress((folder.parent / item["file"]).read_bytes()))
            page = Page(f"trafilatura/{item['file']}", "html-gold/trafilatura")
            for text in page_lines(html):
                if any(s in text for s in with_snippets):
                    page.positive.append(text)
                elif any(s in text for s in without_snippets):
                    page.negative.append(text)
            yield page


def warc_pages(path: Path, source: str) -> Iterator[Page]:
    """Every text line of every HTML page of a WARC file, as negatives (for spammy crawls)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    for record in ArchiveIterator(open(path, "rb"), record_types=WarcRecordType.response):
        if "html" not in (record.http_content_type or ""):
            continue
        html = decode_html(record.reader.read())
        url = record.headers.get("WARC-Target-URI") or record.record_id
        yield Page(f"{source}/{url}", source, negative=page_lines(html))


def docbook_pages(folder: Path, source: str) -> Iterator[Page]:
    """DocBook HTML manuals: prose paragraphs (positive) vs navigation bars and tables of contents."""
    import lxml.html

    for path in sorted(folder.rglob("*.html")):
        tree = lxml.html.fromstring(path.read_bytes())
        page = Page(f"{source}/{path.name}", source)
        for p in tree.xpath('//p[not(ancestor::*[contains(@class, "toc") or contains(@class, "nav")])]'):
            page.positive.append(squash(p.text_content()))
        nav = '//*[contains(@class, "toc")]//a | //*[contains(@class, "nav")]//*[self::td or self::th or self::a]'
        for el in tree.xpath(nav):
            page.negative.append(squash(el.text_content() or " ".join(el.xpath(".//img/@alt"))))
        page.positive = [t for t in page.positive if t]
        page.negative = [t for t in page.negative if t]
        yield page


def catalogue_strings(mo_file: Path, msgids: bool = False) -> list[str]:
    """Translated strings of a gettext catalogue (or its English msgids), without mnemonics
    (_File), format strings and untranslated entries."""
    with mo_file.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog  # no public accessor for all messages
    out = set()
    for key, value in catalog.items():
        key = key if isinstance(key, str) else key[0]  # plural entries are keyed (msgid, n)
        if not key or not isinstance(value, str) or key == value:
            continue
        text = key if msgids else value
        if "%" in text or "{" in text:
            continue
        text = squash(text.replace("_", ""))
        if text:
            out.add(text)
    return sorted(out)


def ui_string_pages(
    mo_files: Iterable[Path], source: str, seed: int, per_page: int = 40, msgids: bool = False
) -> Iterator[Page]:
    """UI strings, shuffled into pages of `per_page` strings (no string in two pages)."""
    strings = sorted({s for mo in mo_files for s in catalogue_strings(mo, msgids)})
    random.Random(f"{seed}:{source}").shuffle(strings)
    for i in range(0, len(strings), per_page):
        yield Page(f"{source}/{i // per_page}", source, negative=strings[i : i + per_page])


def skeleton(text: str, normalization: Normalization = "curator") -> str:
    """The text without its words: punctuation, symbols and digits only (and line breaks, with the
    "lines" normalization). A model trained also on skeletons learns what prose looks like without
    knowing the words, which is all it sees of a language it was not trained on (its words are
    unknown to it)."""
    return " ".join(t for t in prepare_text(text, normalization).split() if not any(c.isalpha() for c in t))


def n_tokens(text: str) -> int:
    return len(prepare_text(text).split())


def chunk_units(units: list[str], rng: random.Random, min_tokens: int, max_tokens: int) -> Iterator[str]:
    """Consecutive units joined by newlines into documents of a random length (log-uniform)."""
    target = _target(rng, min_tokens, max_tokens)
    current: list[str] = []
    size = 0
    for unit in units:
        current.append(unit)
        size += n_tokens(unit)
        if size >= target:
            yield "\n".join(current)
            current, size, target = [], 0, _target(rng, min_tokens, max_tokens)
    if current and size >= 3:
        yield "\n".join(current)


def _target(rng: random.Random, lo: int, hi: int) -> int:
    return int(round(lo * (hi / lo) ** rng.random()))


def chunk_page(
    page: Page, rng: random.Random, min_tokens: int = 20, max_tokens: int = 300
) -> Iterator[Example]:
    for positive, units in ((True, page.positive), (False, page.negative)):
        for text in chunk_units(units, rng, min_tokens, max_tokens):
            yield Example(text, positive, page.group, page.source)
