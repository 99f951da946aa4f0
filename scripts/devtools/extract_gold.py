"""Gold-annotated pages and their scores, shared by scripts/eval/extraction.py and the tests.

Sets: html-gold's trafilatura and scrapinghub pages (real pages), and lid-dev's lingua pages
(75 languages, generated: sentences in <article>, English menus and footer around them).
Two scorings, each the one its data set was published with:
- snippets (trafilatura's evaluation): a page's `with` snippets found in the output are true
  positives (missing: false negatives), `without` snippets found are false positives; summed
  over pages into precision/recall/F1. The lingua pages: sentences are `with`, the menu and
  footer texts `without`.
- tokens (scrapinghub's article-extraction-benchmark): the output's word tokens against the
  gold article's, as multisets; precision/recall/F1 summed over pages.
"""

from __future__ import annotations

import functools
import gzip
import html as html_lib
import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class GoldPage:
    name: str  # file path relative to html-gold/
    html: str
    with_snippets: list[str] = field(default_factory=list)
    without_snippets: list[str] = field(default_factory=list)
    article: str | None = None  # scrapinghub: the gold article text

    @property
    def split(self) -> str:
        """'tune' or 'holdout', fixed by a hash of the file name (half each)."""
        return "tune" if zlib.crc32(self.name.encode()) % 2 == 0 else "holdout"


def decode_html(body: bytes) -> str:
    """UTF-8, else the detected encoding: what the WARC reader does for a record without a charset."""
    from curator.core.readers import _decode

    text, _ = _decode(body, None)
    return text


@functools.cache  # tests load the same set in several modules
def load_trafilatura_pages(gold_dir: Path) -> list[GoldPage]:
    pages = []
    with open(gold_dir / "trafilatura" / "gold.jsonl", encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            html = decode_html(gzip.decompress((gold_dir / item["file"]).read_bytes()))
            pages.append(GoldPage(item["file"], html, item["with"], item["without"]))
    return pages


@functools.cache  # tests load the same set in several modules
def load_scrapinghub_pages(gold_dir: Path) -> list[GoldPage]:
    truth = json.loads((gold_dir / "scrapinghub" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        name = f"scrapinghub/html/{page_id}.html.gz"
        html = gzip.decompress((gold_dir / name).read_bytes()).decode("utf-8", "replace")
        pages.append(GoldPage(name, html, article=item["articleBody"]))
    return pages


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TEXT_BETWEEN_TAGS = re.compile(r">([^<>]+)<")


@functools.cache  # tests load the same set in several modules
def load_lingua_pages(lid_dev_dir: Path) -> list[GoldPage]:
    """The generated multilingual pages: <article> paragraphs are the gold, <header>/<footer> boilerplate."""
    from curator.core.readers import WarcDocReader

    pages = []
    for doc in WarcDocReader([str(lid_dev_dir / "lingua-pages.warc.gz")]).run():
        head, rest = doc.text.split("<article>", 1)
        article, tail = rest.split("</article>", 1)
        sentences = [html_lib.unescape(p).strip() for p in _PARAGRAPH.findall(article)]
        boilerplate = [
            html_lib.unescape(t).strip()
            for t in _TEXT_BETWEEN_TAGS.findall(head.split("<body>", 1)[-1] + tail)
        ]
        boilerplate = [t for t in boilerplate if len(t) > 2]
        pages.append(GoldPage(doc.metadata["url"], doc.text, sentences, boilerplate))
    return pages


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def snippet_score(text: str, page: GoldPage) -> Score:
    found_with = sum(snippet in text for snippet in page.with_snippets)
    found_without = sum(snippet in text for snippet in page.without_snippets)
    return Score(tp=found_with, fp=found_without, fn=len(page.with_snippets) - found_with)


_TOKEN = re.compile(r"\w+")


def token_score(text: str, page: GoldPage) -> Score:
    predicted = Counter(_TOKEN.findall(text.lower()))
    gold = Counter(_TOKEN.findall((page.article or "").lower()))
    tp = sum((predicted & gold).values())
    return Score(tp=tp, fp=sum(predicted.values()) - tp, fn=sum(gold.values()) - tp)


def score_page(text: str, page: GoldPage) -> Score:
    return token_score(text, page) if page.article is not None else snippet_score(text, page)
