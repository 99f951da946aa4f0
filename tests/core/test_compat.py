"""Every patch of curator.core.compat: applied on the version it was measured with; on any other
version (faked here) the library's own code path runs and ONE warning is logged per process."""

from __future__ import annotations

import pytest
from loguru import logger

from curator.core import compat


@pytest.fixture
def warnings_logged():
    """Warnings logged by loguru during the test; compat's per-process memory of them reset."""
    import datatrove.utils.logging  # noqa: F401  (on import it resets loguru, which would drop our sink)

    compat._warned.clear()
    seen: list[str] = []
    sink = logger.add(lambda m: seen.append(str(m)), level="WARNING", format="{message}")
    yield seen
    logger.remove(sink)
    compat._warned.clear()


@pytest.fixture
def other_versions(monkeypatch):
    """Pretend every patched library is installed in a version none of the patches was measured on."""
    monkeypatch.setattr(compat, "installed_version", lambda distribution: "999.0")


def test_every_patch_was_measured_on_the_installed_version(warnings_logged):
    for patch in compat.MEASURED:
        assert compat.applies(patch), patch
    assert warnings_logged == []


def test_other_version_warns_once_per_process_and_patch(warnings_logged, other_versions):
    assert not compat.applies("url_filter_offline_suffixes")
    assert not compat.applies("url_filter_offline_suffixes")
    assert not compat.applies("loguru_lib_dirs_cache")
    assert len(warnings_logged) == 2
    assert "url_filter_offline_suffixes not applied" in warnings_logged[0]
    assert "datatrove 0.10.1, installed is 999.0" in warnings_logged[0]


def test_loguru_lib_dirs_cache(warnings_logged, monkeypatch):
    from loguru._better_exceptions import ExceptionFormatter

    stock = ExceptionFormatter.__dict__["_get_lib_dirs"]
    with compat.loguru_lib_dirs_cache():
        patched = ExceptionFormatter.__dict__["_get_lib_dirs"]
        assert patched is not stock and hasattr(patched.__func__, "cache_info")
        assert ExceptionFormatter._get_lib_dirs() == stock.__func__()
    assert ExceptionFormatter.__dict__["_get_lib_dirs"] is stock
    monkeypatch.setattr(compat, "installed_version", lambda distribution: "999.0")
    with compat.loguru_lib_dirs_cache(), compat.loguru_lib_dirs_cache():
        assert ExceptionFormatter.__dict__["_get_lib_dirs"] is stock
    assert len(warnings_logged) == 1


def _form_class():
    from lxml import html as lxml_html
    from trafilatura import utils

    page = lxml_html.fromstring("<html><body><form></form></body></html>", parser=utils.HTML_PARSER)
    return type(page.find(".//form"))


def test_trafilatura_speedups(warnings_logged, monkeypatch):
    from lxml import html as lxml_html
    from trafilatura import xpaths

    from curator.stages.extract.fast_xpath import FastXPath, parsed_once

    compat.trafilatura_speedups(True, parsed_once)
    assert isinstance(xpaths.OVERALL_DISCARD_XPATH[0], FastXPath)
    assert _form_class() is lxml_html.HtmlElement  # the C lookup
    compat.trafilatura_speedups(False, parsed_once)
    assert not compat.fast_pruning_installed() and _form_class() is lxml_html.FormElement

    monkeypatch.setattr(compat, "installed_version", lambda distribution: "999.0")
    for _ in range(3):  # once per page in the extractor
        compat.trafilatura_speedups(True, parsed_once)
    assert not any(isinstance(e, FastXPath) for e in compat.trafilatura_pruning_expressions())
    assert _form_class() is lxml_html.FormElement  # stock trafilatura
    assert len(warnings_logged) == 2  # one per patch: the pruning lists and the element lookup
    monkeypatch.undo()
    compat.trafilatura_speedups(True, parsed_once)  # as the other tests expect to find it


def test_fasttext_loads_quietly_without_a_patch(capfd):
    """curator used to silence fastText's load warning by replacing `FastText.eprint`; the installed
    fastText (fasttext-numpy2-wheel) has no such warning: the stock load prints nothing."""
    import fasttext

    from curator.stages.quality.classifier import DEFAULT_MODEL

    assert not hasattr(fasttext.FastText, "eprint")
    fasttext.load_model(str(DEFAULT_MODEL))
    assert capfd.readouterr().err == ""


def test_url_filter_offline_suffixes(warnings_logged, monkeypatch):
    from datatrove.pipeline.filters import URLFilter

    url_filter = URLFilter()
    stock = url_filter.tldextractor
    compat.url_filter_offline_suffixes(url_filter)
    assert url_filter.tldextractor is not stock and url_filter.tldextractor.suffix_list_urls == ()

    url_filter = URLFilter()
    stock = url_filter.tldextractor
    monkeypatch.setattr(compat, "installed_version", lambda distribution: "999.0")
    compat.url_filter_offline_suffixes(url_filter)
    compat.url_filter_offline_suffixes(url_filter)
    assert url_filter.tldextractor is stock and len(warnings_logged) == 1


def _big_pattern() -> str:
    """A pattern of the shape spaCy's French exceptions compile: many alternatives, each with a large
    Unicode letter class (long enough to be cached)."""
    letters = "".join(chr(c) for c in range(0x00C0, 0x0250) if chr(c).isalpha())
    words = [
        f"{w}-[{letters}]+" for w in ("anti", "contre", "entre", "extra", "grand", "hyper", "porte", "sous")
    ]
    return "^(?:" + "|".join(words * 40) + r")(?P<tail>\w*)$"


def test_regex_code_cache_gives_the_same_pattern(tmp_path, warnings_logged):
    import re

    pattern = _big_pattern()
    assert len(pattern) >= compat.REGEX_CACHE_MIN_LENGTH
    re.purge()
    reference = re.compile(pattern, re.IGNORECASE)
    for round_ in ("miss: compiles and stores", "hit: reads the stored code"):
        re.purge()
        with compat.regex_code_cache(tmp_path):
            cached = re.compile(pattern, re.IGNORECASE)
        assert cached == reference, round_  # Pattern equality compares flags, pattern and compiled code
        assert cached.groupindex == reference.groupindex and cached.groups == reference.groups
        assert cached.match("Sous-Épée").group("tail") == reference.match("Sous-Épée").group("tail")
        assert len(list(tmp_path.iterdir())) == 1
    re.purge()
    assert not any("regex_code_cache" in str(w) for w in warnings_logged)


def test_regex_code_cache_rebuilds_a_damaged_entry_and_skips_short_patterns(tmp_path):
    import re

    re.purge()
    with compat.regex_code_cache(tmp_path):
        re.compile(_big_pattern())
        re.compile("short|pattern")
    (entry,) = tmp_path.iterdir()  # the short pattern is not stored
    entry.write_bytes(b"\x80garbage")
    re.purge()
    with compat.regex_code_cache(tmp_path):
        again = re.compile(_big_pattern())
    re.purge()
    assert again == re.compile(_big_pattern())
    assert entry.read_bytes() != b"\x80garbage"


def test_datatrove_distribution_index_gives_datatrove_answers(warnings_logged, monkeypatch):
    from datatrove.utils import _import_utils

    current = _import_utils._is_distribution_available  # patched already if a tokenizer was resolved
    stock = getattr(current, "original", current)
    monkeypatch.setattr(_import_utils, "_is_distribution_available", stock)  # restored after the test
    # installed, missing, a capitalised name (datatrove compares Name.lower() with the name as given)
    names = ["spacy", "jieba", "kiwipiepy", "indic-nlp-library", "no-such-dist", "SpaCy", "fasttext"]
    expected = [stock.__wrapped__(name) for name in names]
    compat.datatrove_distribution_index()
    patched = _import_utils._is_distribution_available
    assert patched is not stock and getattr(patched, "curator_index", False)
    assert [patched(name) for name in names] == expected
    assert expected[0] is True and expected[4] is None and expected[5] is None
    compat.datatrove_distribution_index()  # idempotent
    assert _import_utils._is_distribution_available is patched
    assert warnings_logged == []
