"""FastXPath answers trafilatura's pruning expressions exactly as libxml2 does, and trafilatura
with all its speed-ups (curator.core.compat.trafilatura_speedups) extracts the same text.

Node for node on real pages (the demo sample, html-gold), text for text through trafilatura, and
the XPath corner cases one by one (translate, absent attributes, the context element, tags).
"""

import pytest
from lxml import etree
from lxml import html as lxml_html

from curator.core import compat
from curator.stages.extract import fast_xpath
from curator.stages.extract.engines import forget_seen_pages, trafilatura_engine
from scripts.devtools.extract_gold import load_scrapinghub_pages, load_trafilatura_pages
from tests.conftest import SAMPLE_DIR, shared_data


def pruning_expressions():

    compat.uninstall_fast_pruning()
    return compat.trafilatura_pruning_expressions()


def sample_pages() -> list[str]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    pages = []
    for path in sorted(SAMPLE_DIR.glob("*.warc.gz")):
        with open(path, "rb") as f:
            for record in ArchiveIterator(f, record_types=WarcRecordType.response):
                body = record.reader.read()
                pages.append(body[body.find(b"\r\n\r\n") + 4 :].decode("utf-8", "replace"))
    return pages


@pytest.fixture(scope="module")
def real_pages() -> list[str]:
    gold = shared_data("html-gold")
    pages = sample_pages()
    pages += [p.html for p in load_trafilatura_pages(gold)[:150]]
    pages += [p.html for p in load_scrapinghub_pages(gold)[:50]]
    return pages


def test_most_pruning_expressions_are_parsed():
    expressions = pruning_expressions()
    parsed = [e for e in expressions if fast_xpath.parse(e) is not None]
    # the big ones (navigation/footers, comment debris, paywall, teaser, captions, comments)
    assert len(parsed) >= 8, [e.path[:40] for e in expressions]
    unions = [e for e in expressions if "|" in e.path]
    assert unions and all(fast_xpath.parse(e) is None for e in unions)  # outside the grammar: kept


def test_same_nodes_as_libxml2_on_real_pages(real_pages):
    pairs = [(e, fast_xpath.parse(e)) for e in pruning_expressions()]
    pairs = [(e, f) for e, f in pairs if f is not None]
    compared = selected = 0
    for page in real_pages:
        try:
            tree = lxml_html.fromstring(page.encode("utf-8"))
        except (etree.ParserError, ValueError):
            continue
        for original, fast in pairs:
            expected = original(tree)
            assert fast(tree) == expected, (original.path[:60], page[:200])
            compared += 1
            selected += len(expected)
    assert compared > 1000 and selected > 1000  # the pages do exercise the expressions


def test_same_text_through_trafilatura(real_pages):
    def run(speedups: bool) -> list[str]:
        extract = trafilatura_engine(speedups=speedups)
        out = []
        for page in real_pages:
            forget_seen_pages()
            out.append(extract(page))
        return out

    stock, fast = run(False), run(True)
    assert sum(bool(t) for t in stock) > len(real_pages) * 0.8
    assert [i for i, (a, b) in enumerate(zip(stock, fast, strict=True)) if a != b] == []


def test_install_is_idempotent_and_reversible():
    from trafilatura import xpaths

    compat.uninstall_fast_pruning()
    originals = list(xpaths.OVERALL_DISCARD_XPATH)
    assert not any(isinstance(e, fast_xpath.FastXPath) for e in originals)
    first = compat.install_fast_pruning(fast_xpath.parsed_once)
    assert first >= 8 and compat.install_fast_pruning(fast_xpath.parsed_once) == first
    assert all(isinstance(e, fast_xpath.FastXPath) for e in xpaths.OVERALL_DISCARD_XPATH)
    compat.uninstall_fast_pruning()
    assert xpaths.OVERALL_DISCARD_XPATH == originals


CORNER_HTML = """<html><body id="footer-x">
<div id="Footer">a</div><div class="x FOOTER">b</div><div class="site-Footer">b2</div><span class="Share-me">c</span>
<div role="Navigation">d</div><p>e</p><section aria-hidden="true">f</section>
<div data-lp-replacement-content="">g</div><div class=" ad ">h</div><div class="adx">i</div>
<p id="commentbox"><div id="Commentary">j</div></p><!-- comment --><item class="related">k</item>
<div class="dab">l</div><div id="command">m</div>
</body></html>"""

CORNER_CASES = [
    './/*[(self::div or self::p)][contains(translate(@id, "F","f"), "footer")]',
    './/*[contains(translate(@class, "F", "f"), "footer")]',
    './/*[contains(translate(@id, "S", "s"), "share") or contains(@class, "Share")]',
    './/*[starts-with(translate(@id, "C","c"), \'comment\')]',
    './/*[contains(translate(@role, "N", "n"), "nav") or @aria-hidden="true"]',
    ".//*[@data-lp-replacement-content]",
    './/*[contains(@class, " ad ") or @class="adx"]',
    './/*[(self::div or self::item or self::list)][contains(@class, "related")]',
    './/*[contains(translate(@id, "Fo", "f"), "ter")]',  # translate() deletes 'o'
    './/*[contains(translate(@class, "ad", "da"), "ad") or contains(translate(@id, "Cc", "cC"), "Comm")]',  # swaps
    './/*[contains(translate(@class, "S", "s"), "Share") or starts-with(translate(@class, "x", "y"), "y")]',
    './/*[contains(@title, "")]',  # "" is contained in every string, even an absent attribute's
]


@pytest.mark.parametrize("path", CORNER_CASES)
def test_corner_cases_match_libxml2(path):
    original = etree.XPath(path)
    fast = fast_xpath.parse(original)
    assert fast is not None
    tree = lxml_html.fromstring(CORNER_HTML)
    body = tree.find("body")
    for context in (tree, body, etree.ElementTree(tree)):
        assert fast(context) == original(context), path


def test_corner_cases_select_something():
    tree = lxml_html.fromstring(CORNER_HTML)
    empty = [path for path in CORNER_CASES if not etree.XPath(path)(tree)]
    assert empty == [], "a corner case that selects nothing tests nothing"


def test_context_element_is_not_selected():
    tree = lxml_html.fromstring(CORNER_HTML)
    body = tree.find("body")  # its own id contains "footer"
    fast = fast_xpath.parse(etree.XPath('.//*[contains(@id, "footer")]'))
    assert body not in fast(body)
    assert fast(tree) == [body]


def test_speedups_switch_on_and_off_together():
    from trafilatura import utils, xpaths

    def form_class():
        return type(
            lxml_html.fromstring("<html><body><form></form></body></html>", parser=utils.HTML_PARSER).find(
                ".//form"
            )
        )

    compat.trafilatura_speedups(True, fast_xpath.parsed_once)
    assert form_class() is lxml_html.HtmlElement  # C lookup: no FormElement subclass
    assert isinstance(xpaths.OVERALL_DISCARD_XPATH[0], fast_xpath.FastXPath)
    compat.trafilatura_speedups(False, fast_xpath.parsed_once)
    assert form_class() is lxml_html.FormElement  # lxml.html's own lookup is back
    assert not isinstance(xpaths.OVERALL_DISCARD_XPATH[0], fast_xpath.FastXPath)
    compat.trafilatura_speedups(True, fast_xpath.parsed_once)
