"""The block cleaner on real pages where resiliparse keeps boilerplate: each mechanism at work."""

import pytest

from curator.stages.extract import cleaner
from curator.stages.extract.engines import ENGINES
from curator.stages.extract.html_blocks import TextBlock, page_blocks
from scripts.devtools.extract_gold import load_trafilatura_pages, snippet_score
from tests.conftest import shared_data

PAGES = {  # page -> what it shows
    "modepilot.de.duschkopf": "related-article teasers after the article (outside the main container)",
    "spiegel.de.albtraum": "the article's lead sits in a sibling of the main container",
    "assabah.com.tn.article": "Arabic, right-to-left: lead kept, comment form dropped",
    "banyuetan.org.1000200033136171577956287380194268_1": "Chinese: length counted for wide characters",
}


@pytest.fixture(scope="module")
def pages():
    wanted = {}
    for page in load_trafilatura_pages(shared_data("html-gold")):
        for key in PAGES:
            if f"/{key}.html" in page.name:
                wanted[key] = page
    assert set(wanted) == set(PAGES)
    return wanted


@pytest.mark.parametrize("key", PAGES)
def test_cleaning_removes_what_resiliparse_keeps(pages, key):
    page = pages[key]
    assert snippet_score(ENGINES["resiliparse"]()(page.html), page).fp > 0  # the boilerplate is there
    score = snippet_score(ENGINES["fast"]()(page.html), page)
    assert score.fn == 0 and score.fp == 0, (PAGES[key], score)


def test_lead_outside_main_container_is_kept(pages):
    settings = cleaner.CleanerSettings()
    blocks = page_blocks(pages["spiegel.de.albtraum"].html)
    classes = cleaner.resolve_context(blocks, cleaner.classify(blocks, settings), settings)
    main = cleaner.main_container(blocks, classes, settings)
    kept = cleaner.main_content(blocks, settings)
    outside = [b for b in kept if main not in b.containers]
    assert outside and all(b.units >= settings.lead_units for b in outside)
    assert kept.index(outside[-1]) < len(outside)  # the lead comes before the main container's blocks
    dropped_good = [b for b, c in zip(blocks, classes, strict=True) if c == cleaner.GOOD and b not in kept]
    assert len(dropped_good) >= 3  # teasers: good-looking text outside the article


def block(text: str, links: int = 0, heading: bool = False) -> TextBlock:
    return TextBlock(text, links, heading, (1,))


def test_context_rules():
    settings = cleaner.CleanerSettings()
    long = "A sentence that goes on long enough to count as content on its own, " * 3
    blocks = [
        block("Menu", links=4),
        block("Title of the piece", heading=True),
        block(long),
        block("Short line."),  # between good blocks: good
        block(long),
        block("Share", links=5),
        block("Tags"),  # between bad blocks: bad
        block("Home", links=4),
    ]
    classes = cleaner.resolve_context(blocks, cleaner.classify(blocks, settings), settings)
    assert classes == ["bad", "good", "good", "good", "good", "bad", "bad", "bad"]


def test_repeated_short_text_is_boilerplate():
    settings = cleaner.CleanerSettings()
    long = "Text of the article, written in full sentences and long enough to be kept. " * 2
    blocks = [
        block(long),
        block("Read more about this topic"),
        block(long),
        block("Read more about this topic"),
    ]
    assert cleaner.classify(blocks, settings)[1::2] == ["bad", "bad"]
