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
import hashlib
import pickle
import platform
import sys
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path

from loguru import logger

# patch name -> (distribution, the version the patch was measured with)
MEASURED: dict[str, tuple[str, str]] = {
    "loguru_lib_dirs_cache": ("loguru", "0.7.3"),
    "trafilatura_fast_pruning": ("trafilatura", "1.11.0"),
    "trafilatura_c_element_lookup": ("trafilatura", "1.11.0"),
    "url_filter_offline_suffixes": ("datatrove", "0.10.1"),
    "url_filter_cached_lists": ("datatrove", "0.10.1"),
    "regex_code_cache": ("python", "3.11.7"),
    "datatrove_distribution_index": ("datatrove", "0.10.1"),
}

_warned: set[str] = set()  # patches whose version warning this process has already logged


@functools.cache
def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, or None (cached: read once per process)."""
    if distribution == "python":  # the interpreter itself (patches of the standard library)
        return platform.python_version()
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


# --- Python's re ------------------------------------------------------------------------------

REGEX_CACHE_MIN_LENGTH = 5000  # patterns shorter than this compile in milliseconds: not cached


@contextmanager
def regex_code_cache(cache_dir: Path) -> Iterator[None]:
    """Inside the block, a long pattern's compiled code is read from `cache_dir` instead of compiled.

    spaCy's language modules compile huge patterns at import: French's tokenizer exceptions take
    ~12 s of CPU in `re._compiler` (hundreds of alternatives, each with the whole Unicode letter
    class), once per process, so once per task inside its first French document (issue #24). The
    compiler's output (the opcode list, flags and group tables given to `_sre.compile`) depends only
    on the pattern, the flags and the Python version, so it is stored once per machine, keyed by all
    three, and the same `_sre.compile` call is made with it: the Pattern is equal (`==` compares the
    code) to the one compiled. On another Python the patterns are compiled as usual."""
    if not applies("regex_code_cache"):
        yield
        return
    import _sre
    import re._compiler as compiler

    from curator.core.atomic import atomic_path

    original = compiler.compile

    def compile(p, flags=0):  # noqa: A001 -- the name re/__init__ calls
        if not isinstance(p, str) or len(p) < REGEX_CACHE_MIN_LENGTH or flags & compiler.SRE_FLAG_DEBUG:
            return original(p, flags)
        key = hashlib.sha256(f"{sys.version}\0{int(flags)}\0".encode() + p.encode("utf-8", "surrogatepass"))
        path = cache_dir / f"{key.hexdigest()}.pickle"
        try:
            final_flags, code, groups, groupindex, indexgroup = pickle.loads(path.read_bytes())
            code = code.tolist()
        except Exception:  # noqa: BLE001 -- missing, stale or damaged: compile, then store
            parsed = compiler._parser.parse(p, flags)
            code = compiler._code(parsed, flags)
            groupindex = dict(parsed.state.groupdict)
            indexgroup = [None] * parsed.state.groups
            for name, i in groupindex.items():
                indexgroup[i] = name
            final_flags, groups, indexgroup = (
                int(flags | parsed.state.flags),
                parsed.state.groups - 1,
                tuple(indexgroup),
            )
            entry = (final_flags, array("I", code), groups, groupindex, indexgroup)
            with suppress(OSError), atomic_path(path) as tmp:
                tmp.write_bytes(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        return _sre.compile(p, final_flags, code, groups, groupindex, indexgroup)

    compiler.compile = compile
    try:
        yield
    finally:
        compiler.compile = original


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


def url_filter_cached_lists(
    url_filter, domains: Callable[[set], object], urls: Callable[[], set[str]]
) -> None:
    """Load datatrove's URLFilter lists as its `download_data` does, except the two lists of its tar:
    `domains(extra_domains)` returns the 4.5 M block-listed domains (curator's parsed cache,
    stages/filters/blocklists.py: a set-like object with the same members) and `urls()` the URL list,
    read from the tar instead of datatrove's extracted copy. Then `download_data` is a no-op. On another datatrove the
    filter parses its lists itself, in its first document (same decisions, ~2.5 s slower per task)."""
    if (
        not applies("url_filter_cached_lists")
        or not url_filter.use_integrated_lists
        or url_filter._downloaded
    ):
        return
    from datatrove.pipeline.filters.url_filter import get_list
    from datatrove.utils._import_utils import ASSETS_PATH

    url_filter.block_listed_domains = domains(url_filter.block_listed_domains)
    url_filter.block_listed_url = urls() | url_filter.block_listed_url
    url_filter.banned_words = get_list(ASSETS_PATH, "banned_words.txt", url_filter.banned_words)
    url_filter.banned_subwords = get_list(ASSETS_PATH, "banned_subwords.txt", url_filter.banned_subwords)
    url_filter.soft_banned_words = get_list(
        ASSETS_PATH, "soft_banned_words.txt", url_filter.soft_banned_words
    )
    for word in url_filter.banned_subwords:
        url_filter.banned_subwords_automaton.add_word(word, len(url_filter.banned_subwords_automaton))
    url_filter.banned_subwords_automaton.make_automaton()
    url_filter._downloaded = True


def datatrove_distribution_index() -> None:
    """datatrove checks a tokenizer's (or step's) pip distribution by reading the metadata of every
    installed distribution (`_import_utils._is_distribution_available`, cached per name): ~0.1 s per
    new name here (200+ distributions; 16 names: 1.8 s -> 0.1 s), in every process that loads
    tokenizers. One scan builds the set of names and answers every name from it: the
    same answer (True, or None when missing), as datatrove compares `Name.lower()` with the name as
    given. Idempotent; on another datatrove its own check stays."""
    if not applies("datatrove_distribution_index"):
        return
    from datatrove.utils import _import_utils

    original = _import_utils._is_distribution_available
    if getattr(original, "curator_index", False):
        return
    names: set[str] | None = None

    def available(distribution_name: str):
        nonlocal names
        if names is None:
            names = set()
            for dist in metadata.distributions():
                meta = getattr(dist, "metadata", None)
                name = meta.get("Name") if meta is not None else None
                if name:
                    names.add(name.lower())
        return True if distribution_name in names else None

    available.curator_index = True
    available.original = original  # datatrove's own (tests compare against it)
    _import_utils._is_distribution_available = available
