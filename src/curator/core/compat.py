"""Every patch curator applies to a third-party library's internals, in one place.

Each patch below was measured (or is needed) on one version of its library, and reaches into
code that library does not promise to keep: a private attribute, a module-level list, a class
method. So each one first checks the installed version against the version it was measured with
(`MEASURED`); on any other version it leaves the library's own code path in place and logs ONE
warning per process, naming the patch and both versions. Output stays correct either way: a
patch only makes things faster or quieter; it never changes what a document becomes.

This module is in `core/` (not `exec/`) because both layers apply patches: the executor (loguru)
and the stages (trafilatura, datatrove's URL filter). curator's own replacement code
stays with its stage (e.g. `stages/extract/fast_xpath.py`) and is passed in; only the swapping-in
lives here. Updating a library = run the patch's test and benchmark, then update `MEASURED`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata

from loguru import logger

# patch name -> (distribution, the version the patch was measured with)
MEASURED: dict[str, tuple[str, str]] = {
    "loguru_lib_dirs_cache": ("loguru", "0.7.3"),
    "trafilatura_fast_pruning": ("trafilatura", "1.11.0"),
    "trafilatura_c_element_lookup": ("trafilatura", "1.11.0"),
    "url_filter_offline_suffixes": ("datatrove", "0.10.1"),
}

_warned: set[str] = set()  # patches whose version warning this process has already logged


@functools.cache
def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, or None (cached: read once per process)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def applies(patch: str) -> bool:
    """Whether `patch` may be applied: the installed version is the measured one. Otherwise log
    one warning per process and per patch, and let the caller take the stock code path."""
    distribution, measured = MEASURED[patch]
    found = installed_version(distribution)
    if found == measured:
        return True
    if patch not in _warned:
        _warned.add(patch)
        logger.warning(
            f"compat: {patch} not applied: it was measured on {distribution} {measured}, installed is "
            f"{found or 'none'}; using {distribution}'s own code (same output, possibly slower or noisier). "
            f"Check the patch's test and benchmark on this version, then update curator.core.compat.MEASURED."
        )
    return False


# --- loguru ------------------------------------------------------------------------------------


@contextmanager
def loguru_lib_dirs_cache() -> Iterator[None]:
    """Each loguru sink scans the interpreter's library folders (36 sysconfig lookups, ~6 ms) and
    datatrove adds three sinks per task: ~80% of a small task's overhead. The folders do not change
    during a run, so they are looked up once; forked task workers inherit the result."""
    if not applies("loguru_lib_dirs_cache"):
        yield
        return
    from loguru._better_exceptions import ExceptionFormatter

    original = ExceptionFormatter.__dict__["_get_lib_dirs"]
    ExceptionFormatter._get_lib_dirs = staticmethod(functools.cache(original.__func__))
    try:
        yield
    finally:
        ExceptionFormatter._get_lib_dirs = original


# --- trafilatura -------------------------------------------------------------------------------

# trafilatura's expression lists that prune_unwanted_nodes() evaluates (trafilatura.xpaths)
TRAFILATURA_PRUNING_LISTS = (
    "OVERALL_DISCARD_XPATH",
    "PAYWALL_DISCARD_XPATH",
    "REMOVE_COMMENTS_XPATH",
    "TEASER_DISCARD_XPATH",
    "PRECISION_DISCARD_XPATH",
    "DISCARD_IMAGE_ELEMENTS",
    "COMMENTS_DISCARD_XPATH",
    "AUTHOR_DISCARD_XPATHS",
)

_c_lookup = False  # whether trafilatura's parser has the C element class lookup


def trafilatura_pruning_expressions() -> list:
    """Every expression of trafilatura's pruning lists, as they are now (patched or not)."""
    from trafilatura import xpaths

    return [e for name in TRAFILATURA_PRUNING_LISTS for e in getattr(xpaths, name, None) or []]


def install_fast_pruning(replacement: Callable) -> int:
    """Put `replacement(expression)` (an object with `.original`, or None when it cannot answer that
    expression) in place of each lxml XPath in trafilatura's pruning lists, in place (idempotent).
    Returns how many expressions are now replaced; 0 and nothing changed on another trafilatura."""
    if not applies("trafilatura_fast_pruning"):
        return 0
    from lxml import etree
    from trafilatura import xpaths

    replaced = 0
    for name in TRAFILATURA_PRUNING_LISTS:
        expressions = getattr(xpaths, name, None)
        if not isinstance(expressions, list):
            continue
        for i, expression in enumerate(expressions):
            if hasattr(expression, "original"):
                replaced += 1
                continue
            fast = replacement(expression) if isinstance(expression, etree.XPath) else None
            if fast is not None:
                expressions[i] = fast
                replaced += 1
    return replaced


def uninstall_fast_pruning() -> None:
    """Put trafilatura's original XPath objects back (for comparisons and tests)."""
    from trafilatura import xpaths

    for name in TRAFILATURA_PRUNING_LISTS:
        expressions = getattr(xpaths, name, None)
        if isinstance(expressions, list):
            expressions[:] = [getattr(e, "original", e) for e in expressions]


def fast_pruning_installed() -> bool:
    """Whether trafilatura's lists hold replacements now (its first list says: they switch as one)."""
    from trafilatura import xpaths

    return any(hasattr(e, "original") for e in xpaths.OVERALL_DISCARD_XPATH)


def trafilatura_c_element_lookup(enabled: bool) -> None:
    """trafilatura's HTML parser with lxml's C element class lookup: lxml.html's parser calls a
    Python `lookup()` for every element proxy it creates (600k calls per 300 pages) only to pick
    form/input/label subclasses that trafilatura never uses; `ElementDefaultClassLookup` gives every
    element lxml.html's `HtmlElement` (same methods) without the call. Idempotent, cheap."""
    global _c_lookup
    if enabled == _c_lookup or (enabled and not applies("trafilatura_c_element_lookup")):
        return
    from lxml import etree
    from lxml import html as lxml_html
    from trafilatura import utils

    if enabled:
        lookup = etree.ElementDefaultClassLookup(
            element=lxml_html.HtmlElement,
            comment=lxml_html.HtmlComment,
            pi=lxml_html.HtmlProcessingInstruction,
            entity=lxml_html.HtmlEntity,
        )
    else:
        lookup = lxml_html.HtmlElementClassLookup()
    utils.HTML_PARSER.set_element_class_lookup(lookup)
    _c_lookup = enabled


def trafilatura_speedups(enabled: bool, fast_xpath: Callable) -> None:
    """Switch trafilatura's same-output speed-ups on or off as one (the pruning XPaths answered by
    `fast_xpath`, and the C element lookup), doing nothing when already so: cheap enough to call
    before every page, which lets engines with and without them take turns in one process.
    Measured: the same text on all 1,171 bench pages, ~2.4x faster (tests/stages/extract/test_fast_xpath.py)."""
    if enabled != fast_pruning_installed():
        install_fast_pruning(fast_xpath) if enabled else uninstall_fast_pruning()
    trafilatura_c_element_lookup(enabled)


# --- datatrove ---------------------------------------------------------------------------------


def url_filter_offline_suffixes(url_filter) -> None:
    """Give datatrove's URLFilter a tldextract that reads its bundled public-suffix snapshot instead
    of fetching the list (no network at run time). On another datatrove the filter keeps its own
    extractor (which may try the network once, then falls back to the same snapshot)."""
    if not applies("url_filter_offline_suffixes"):
        return
    from tldextract import TLDExtract

    url_filter.tldextractor = TLDExtract(suffix_list_urls=())
