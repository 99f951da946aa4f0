"""A page as text blocks that know their link text and the containers they sit in.

Resiliparse's main-content extraction is fast but keeps boilerplate (related-article teasers,
newsletter boxes, bylines) because its output is flat text. We ask it for its "minimal HTML"
output instead (paragraphs, headings, links) and, before that, put a control character at the
start and end of every layout container (div, section, article, main). The output then
carries the page's container nesting and which words were links, at the cost of one regex pass
over the HTML, without walking the DOM in Python.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from resiliparse.extract.html2text import extract_plain_text

OPEN_MARK, CLOSE_MARK = "\x02", "\x03"  # control characters: kept by resiliparse, absent from real text
# block containers of page layout; lists and tables are left out: a recipe's list is part of the
# article, not the article (measured: choosing among them lost recall)
CONTAINER_TAGS = ("div", "section", "article", "main")
MAX_DEPTH = 200  # containers tracked per block; deeper ones count as their ancestor (keeps blocks O(1))
MAX_NESTING = 1000  # deeper pages are refused (TooDeeplyNested); real pages nest a few dozen deep
# lower and upper case spelled out: a case-insensitive group makes this pass ~40% slower
_SPELLINGS = CONTAINER_TAGS + tuple(tag.upper() for tag in CONTAINER_TAGS)
_CONTAINER_TAG = re.compile(r"<(/?)(?:" + "|".join(_SPELLINGS) + r")\b[^>]*>")
_MARKS = re.compile(f"[{OPEN_MARK}{CLOSE_MARK}]")
_PIECES = re.compile(f"([{OPEN_MARK}{CLOSE_MARK}\n])")
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)
_HEADING_START = re.compile(r"\s*<h[1-6]\b")
# scripts written without spaces carry about three Latin letters of content per character
_WIDE_CHARS = re.compile("[\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(slots=True)
class TextBlock:
    text: str
    link_chars: int  # characters of the text that are link text
    heading: bool
    containers: tuple[int, ...]  # ids of the enclosing container elements, outermost first
    units: int = 0  # text length, wide (CJK) characters counted three times

    def __post_init__(self) -> None:
        self.units = text_units(self.text)

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text)


def text_units(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + 2 * len(_WIDE_CHARS.findall(text))


class TooDeeplyNested(Exception):
    """resiliparse's main-content pass takes time quadratic in div nesting (measured: 5,000 nested
    divs 1.4 s, 20,000 31 s, in C where no timer can interrupt it): such pages are refused."""

    reason = "too_deep"  # the extractor step counts it as extract:too_deep


class _Marker:
    """Regex callback putting both marks inside each container element (when resiliparse drops
    the element, it drops both) and measuring the deepest nesting on the way."""

    __slots__ = ("depth", "deepest")

    def __init__(self) -> None:
        self.depth = self.deepest = 0

    def __call__(self, match: re.Match) -> str:
        if match.group(1):
            self.depth -= 1
            return CLOSE_MARK + match.group(0)
        self.depth += 1
        if self.depth > self.deepest:
            self.deepest = self.depth
        return match.group(0) + OPEN_MARK


def _refuse_deep(marker: _Marker, max_nesting: int) -> None:
    if marker.deepest > max_nesting:
        raise TooDeeplyNested(f"containers nested {marker.deepest} deep (limit {max_nesting})")


def mark_containers(html: str, max_nesting: int = MAX_NESTING) -> str:
    """The page with OPEN_MARK/CLOSE_MARK inside each container; TooDeeplyNested past `max_nesting`."""
    if OPEN_MARK in html or CLOSE_MARK in html:
        html = _MARKS.sub("", html)
    marker = _Marker()
    marked = _CONTAINER_TAG.sub(marker, html)
    _refuse_deep(marker, max_nesting)
    return marked


def check_nesting(html: str, max_nesting: int = MAX_NESTING) -> None:
    """Raise TooDeeplyNested for pages resiliparse's main-content pass would be stuck on.

    For the plain `resiliparse` engine, which does not mark containers. A page with fewer
    `<div` than the limit cannot nest divs that deep, and one count costs ~5% of an extraction;
    counting every container spelling would cost 30%, so upper-case or article-only nesting is
    not caught here (`fast` and `hybrid` track the real depth while marking, at no extra cost).
    """
    if html.count("<div") <= max_nesting:
        return
    marker = _Marker()
    for match in _CONTAINER_TAG.finditer(html):
        marker(match)
    _refuse_deep(marker, max_nesting)


def _plain(fragment: str) -> str:
    if "<" in fragment:
        fragment = _TAG.sub("", fragment)
    if "&" in fragment:
        fragment = html_lib.unescape(fragment)
    return fragment.strip()


def page_blocks(html: str) -> list[TextBlock]:
    """The main-content blocks of a page in reading order (resiliparse's main-content rules)."""
    markup = extract_plain_text(
        mark_containers(html),
        preserve_formatting="minimal_html",
        main_content=True,
        links=True,
        alt_texts=False,
        comments=False,
        list_bullets=False,
    )
    return parse_markup(markup)


def parse_markup(markup: str) -> list[TextBlock]:
    """Blocks of resiliparse's minimal HTML with container marks: one per line between marks."""
    blocks: list[TextBlock] = []
    containers: tuple[int, ...] = ()
    next_id = 0
    too_deep = 0  # containers opened beyond MAX_DEPTH: counted, not tracked
    for piece in _PIECES.split(markup):
        if not piece or piece == "\n":  # most pieces: between two marks or line ends
            continue
        if piece == OPEN_MARK:
            if len(containers) < MAX_DEPTH:
                next_id += 1
                containers = (*containers, next_id)
            else:
                too_deep += 1
        elif piece == CLOSE_MARK:
            if too_deep:
                too_deep -= 1
            else:
                containers = containers[:-1]
        elif not piece.isspace():
            text = _plain(piece)
            if not text:
                continue
            link_chars = sum(len(_plain(link)) for link in _LINK.findall(piece)) if "<a" in piece else 0
            heading = bool(_HEADING_START.match(piece))
            blocks.append(TextBlock(text, min(link_chars, len(text)), heading, containers))
    return blocks
