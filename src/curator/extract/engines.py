"""Extraction engines by name. Heavy imports happen on first use, in the worker process."""

from __future__ import annotations

from collections.abc import Callable


def trafilatura_engine(favor_precision: bool = True, fast: bool = False) -> Callable[[str], str]:
    import trafilatura

    def extract(html: str) -> str:
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


def resiliparse_engine() -> Callable[[str], str]:
    from resiliparse.extract.html2text import extract_plain_text

    def extract(html: str) -> str:
        return extract_plain_text(html, main_content=True, alt_texts=False, links=False, list_bullets=True)

    return extract


def fast_engine(**settings) -> Callable[[str], str]:
    """Resiliparse's main content, cleaned of boilerplate blocks by structure (see extract/cleaner.py)."""
    from curator.extract.blocks import page_blocks
    from curator.extract.cleaner import CleanerSettings, main_content

    cleaner = CleanerSettings(**settings)

    def extract(html: str) -> str:
        return "\n".join(block.text for block in main_content(page_blocks(html), cleaner))

    return extract


ENGINES: dict[str, Callable[..., Callable[[str], str]]] = {
    "trafilatura": trafilatura_engine,
    "resiliparse": resiliparse_engine,
    "fast": fast_engine,
}


def check_engine(name: str) -> str | None:
    """A problem message if the engine cannot run here (import fails), else None."""
    try:
        ENGINES[name]()
    except ImportError as e:
        return f"engine '{name}' cannot be imported: {e}. Reinstall with `make install`."
    return None
