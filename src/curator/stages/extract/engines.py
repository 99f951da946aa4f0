"""Extraction engines by name: each builds an `extract(html: str) -> str` function.

Heavy imports happen when the engine is built (in the worker, before its first page), so a
broken install fails there. Every engine first renders ruby as its base text (`ruby_readings`:
base(reading)); the resiliparse-based ones also keep one-letter CJK/Indic... nodes resiliparse
would drop, and drop the invisible marks it keeps (soft hyphens, bidi controls: trafilatura drops
them itself). See script_markup.py. An engine function may carry `counts` (a Counter), which the
extractor step adds to its stats as `extract/<key>`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from curator.stages.extract.script_markup import drop_invisible, has_ruby, pad_lone_letters, render_ruby


def trafilatura_engine(
    favor_precision: bool = True, fast: bool = False, speedups: bool = True, ruby_readings: bool = False
) -> Callable[[str], str]:
    """trafilatura with datatrove's settings. `speedups`: same-output speed-ups of its internals
    (curator.core.compat.trafilatura_speedups with stages/extract/fast_xpath.py: ~2.4x faster on real
    pages); False: stock trafilatura."""
    import trafilatura

    from curator.core import compat
    from curator.stages.extract.fast_xpath import parsed_once

    def extract(html: str) -> str:
        compat.trafilatura_speedups(speedups, parsed_once)
        if has_ruby(html):
            html = render_ruby(html, ruby_readings)
        return (
            trafilatura.extract(
                html,
                favor_precision=favor_precision,
                include_comments=False,
                deduplicate=True,
                no_fallback=fast,
            )
            or ""
        )

    return extract


def resiliparse_engine(ruby_readings: bool = False) -> Callable[[str], str]:
    from resiliparse.extract.html2text import extract_plain_text

    from curator.stages.extract.html_blocks import check_nesting

    def extract(html: str) -> str:
        check_nesting(html)  # pages nested too deep would stall resiliparse (extract:too_deep)
        if has_ruby(html):
            html = render_ruby(html, ruby_readings)
        return drop_invisible(
            extract_plain_text(
                pad_lone_letters(html), main_content=True, alt_texts=False, links=False, list_bullets=True
            )
        )

    return extract


def fast_engine(ruby_readings: bool = False, **settings) -> Callable[[str], str]:
    """Resiliparse's main content, cleaned of boilerplate blocks by structure (see extract/cleaner.py)."""
    from curator.stages.extract.cleaner import CleanerSettings, blocks_text, page_main_content

    cleaner = CleanerSettings(**settings)

    def extract(html: str) -> str:
        if has_ruby(html):
            html = render_ruby(html, ruby_readings)
        return drop_invisible(blocks_text(page_main_content(pad_lone_letters(html), cleaner)))

    return extract


class HybridExtractor:
    """The fast engine, and trafilatura for the pages where it keeps little text.

    On html-gold, pages where the fast path keeps under ~200 units (3%) are where trafilatura
    does much better (the fast path's main container was wrong or absent); re-extracting only
    those recovers most of trafilatura's F1 at a fraction of its time. On a crawl with many thin
    pages the fallback runs more often: `counts["hybrid_fallback"]` says how often.
    """

    def __init__(
        self, fallback_units: int = 200, speedups: bool = True, ruby_readings: bool = False, **settings
    ):
        from curator.stages.extract.cleaner import CleanerSettings, blocks_text, page_main_content

        self._page_main_content, self._blocks_text = page_main_content, blocks_text
        self.cleaner = CleanerSettings(**settings)
        self.fallback_units = fallback_units
        self.ruby_readings = ruby_readings
        self.trafilatura = trafilatura_engine(fast=True, speedups=speedups, ruby_readings=ruby_readings)
        self.counts: Counter[str] = Counter()

    def __call__(self, html: str) -> str:
        if has_ruby(html):  # once, for both paths (the fallback's own check then finds no ruby)
            html = render_ruby(html, self.ruby_readings)
        kept = self._page_main_content(pad_lone_letters(html), self.cleaner)
        if sum(block.units for block in kept) >= self.fallback_units:
            return drop_invisible(self._blocks_text(kept))
        self.counts["hybrid_fallback"] += 1
        return self.trafilatura(html) or drop_invisible(self._blocks_text(kept))


ENGINES: dict[str, Callable[..., Callable[[str], str]]] = {
    "trafilatura": trafilatura_engine,
    "resiliparse": resiliparse_engine,
    "fast": fast_engine,
    "hybrid": HybridExtractor,
}


def forget_seen_pages() -> None:
    """Clear trafilatura's cross-page duplicate cache (a text segment seen more than twice, on any
    earlier page, is dropped). Evaluations call this before each page so that an engine's output
    does not depend on which pages, or which other engines, ran before it."""
    import sys

    if "trafilatura" in sys.modules:
        from trafilatura.deduplication import LRU_TEST

        LRU_TEST.clear()


def check_engine(name: str) -> str | None:
    """A problem message if the engine cannot run here (import fails), else None."""
    try:
        ENGINES[name]()
    except ImportError as e:
        return f"engine '{name}' cannot be imported: {e}. Reinstall with `make install`."
    return None
