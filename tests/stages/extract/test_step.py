"""The extractor step: every lost page counted with its reason, a broken install fails at once."""

import time

import pytest
from datatrove.data import Document

from curator.core.readers import WarcDocReader
from curator.stages.extract import engines
from curator.stages.extract.step import HtmlExtractor
from scripts.devtools.extract_gold import load_trafilatura_pages
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def pages():
    return load_trafilatura_pages(shared_data("html-gold"))[:6]


def run(step: HtmlExtractor, docs: list[Document]) -> list[Document]:
    return list(step.run(iter(docs), rank=0, world_size=1))


def removed(step: HtmlExtractor) -> dict[str, int]:
    return {
        k.removeprefix("removed/"): v.total for k, v in step.stats.stats.items() if k.startswith("removed/")
    }


def slow_on_marked_pages(delay: float):
    """A real engine (fast) that stalls in Python on pages containing the word SLOW."""
    fast = engines.fast_engine()

    def extract(html: str) -> str:
        if "SLOW" in html:
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                pass
        return fast(html)

    return extract


def test_timeout_is_counted_and_next_pages_still_extracted(monkeypatch, pages):
    monkeypatch.setitem(engines.ENGINES, "slow", lambda: slow_on_marked_pages(10))
    docs = [Document(text=p.html, id=str(i)) for i, p in enumerate(pages)]
    docs[1].text = docs[1].text.replace("<body", "<body data-x='SLOW'", 1)
    step = HtmlExtractor("slow", timeout=0.3)
    start = time.monotonic()
    kept = run(step, docs)
    assert time.monotonic() - start < 8  # the stalled page was cut, not waited for
    assert [d.id for d in kept] == ["0", "2", "3", "4", "5"]
    assert removed(step) == {"extract:timeout": 1}
    assert docs[1].metadata["reason"] == "extract:timeout"
    fast = engines.fast_engine()
    assert all(d.text == fast(pages[int(d.id)].html) for d in kept)  # the timer left nothing behind


def test_oversize_pages_counted_in_utf8_bytes(pages):
    small, big = pages[0].html, pages[1].html
    limit = len(big.encode()) - 1
    assert len(small.encode()) <= limit
    wide = "<html><body><p>" + "ü" * (limit // 2 + 10) + "</p></body></html>"  # fewer chars than bytes
    assert len(wide) < limit < len(wide.encode())
    step = HtmlExtractor("resiliparse", max_html_bytes=limit)
    kept = run(step, [Document(text=small, id="s"), Document(text=big, id="b"), Document(text=wide, id="w")])
    assert [d.id for d in kept] == ["s"]
    assert removed(step)["extract:too_large"] == 2


def test_empty_and_broken_pages_counted(monkeypatch):
    def fails_on_marker(html: str) -> str:
        if "BREAK" in html:
            raise ValueError("parser gave up")
        return html

    monkeypatch.setitem(engines.ENGINES, "fragile", lambda: fails_on_marker)
    step = HtmlExtractor("fragile")
    kept = run(
        step, [Document(text="BREAK", id="a"), Document(text="  \n", id="b"), Document(text="ok", id="c")]
    )
    assert [d.id for d in kept] == ["c"]
    assert removed(step)["extract:error:ValueError"] == 1
    assert removed(step)["extract:no_text"] == 1


@pytest.mark.parametrize("engine", ["fast", "hybrid", "resiliparse"])
def test_hostile_nesting_is_refused_and_counted(engine):
    """20,000 nested divs would hold resiliparse ~30 s in C (no timer can stop it); lxml, hence
    trafilatura, gives up beyond ~256 levels anyway."""
    nested = "<html><body>" + "<div>" * 20_000 + "<p>" + "Text at the bottom of a deep page. " * 4 + "</p>"
    normal = "<html><body><div><p>" + "An ordinary page with a paragraph of text in it. " * 5 + "</p></div>"
    step = HtmlExtractor(engine)
    kept = run(step, [Document(text=nested, id="deep"), Document(text=normal, id="normal")])
    assert [d.id for d in kept] == ["normal"]
    assert removed(step) == {"extract:too_deep": 1}


def test_import_error_fails_before_the_first_page(monkeypatch):
    def broken_engine():
        import curator_no_such_module  # noqa: F401

    monkeypatch.setitem(engines.ENGINES, "broken", broken_engine)
    consumed = []

    def docs():
        consumed.append(1)
        yield Document(text="<p>x</p>", id="a")

    with pytest.raises(ImportError, match="engine 'broken' cannot be imported.*curator_no_such_module"):
        list(HtmlExtractor("broken").run(docs()))
    assert consumed == []


def test_import_error_inside_extraction_is_not_counted_as_a_page_problem(monkeypatch):
    def lazy_import(html: str) -> str:
        import curator_no_such_module  # noqa: F401

    monkeypatch.setitem(engines.ENGINES, "lazy", lambda: lazy_import)
    step = HtmlExtractor("lazy")
    with pytest.raises(ImportError):
        run(step, [Document(text="<p>x</p>", id="a")])
    assert removed(step) == {}


def test_non_utf8_pages_extracted_from_warc():
    """ClueWeb09 pages in EUC-JP, read by the WARC reader and extracted without mojibake."""
    path = shared_data("warc/edge-cases/resiliparse-clueweb09-quirk.warc.gz")
    docs = list(WarcDocReader([str(path)]).run())
    assert len(docs) > 20
    kept = run(HtmlExtractor("fast"), docs)
    assert len(kept) >= len(docs) * 0.8
    japanese = [d for d in kept if sum("\u3040" <= ch <= "\u30ff" for ch in d.text) > 50]
    assert len(japanese) >= len(kept) * 0.5
    assert all("\ufffd" not in d.text for d in japanese)
