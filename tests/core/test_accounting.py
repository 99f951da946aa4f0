"""Stat keys are written and parsed by core.accounting alone, and a label can never split a key."""

import re
from pathlib import Path

import pytest

from curator.core.accounting import (
    KeyKind,
    StatKey,
    counter_key,
    file_error_key,
    metric_key,
    parse_key,
    peak_key,
    removed_key,
    skipped_key,
)
from curator.core.names import UnsafePathError

SRC = Path(__file__).resolve().parents[2] / "src" / "curator"


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        (counter_key("docs_in"), StatKey(KeyKind.COUNTER, "docs_in")),
        (counter_key("chars_out", "deu_Latn"), StatKey(KeyKind.COUNTER, "chars_out", "deu_Latn")),
        (removed_key("lid:low_score"), StatKey(KeyKind.REMOVED, "lid:low_score")),
        (removed_key("dedup:minhash", "und"), StatKey(KeyKind.REMOVED, "dedup:minhash", "und")),
        (skipped_key("bad_json_line"), StatKey(KeyKind.SKIPPED, "bad_json_line")),
        (file_error_key("truncated"), StatKey(KeyKind.FILE_ERROR, "truncated")),
        (peak_key("rss_mb"), StatKey(KeyKind.PEAK, "peak_rss_mb")),
        (metric_key("extract", "timeout"), StatKey(KeyKind.METRIC, "extract/timeout")),
        (metric_key("scored_docs", language="fra_Latn"), StatKey(KeyKind.METRIC, "scored_docs", "fra_Latn")),
        (metric_key("written"), StatKey(KeyKind.METRIC, "written")),
    ],
)
def test_every_key_parses_back_to_what_built_it(key, parsed):
    assert parse_key(key) == parsed


def test_the_key_strings_are_the_ones_stats_files_were_built_from():
    # the format is persisted in logs/<job>/stats/<rank>.json of finished runs: it must not move
    assert removed_key("x", "deu_Latn") == "lang/deu_Latn/removed/x"
    assert counter_key("docs_out", "und") == "lang/und/docs_out"
    assert skipped_key("not_html") == "skipped/not_html"
    assert file_error_key("unreadable") == "file_error/unreadable"
    assert peak_key("rss_mb") == "peak_rss_mb"


@pytest.mark.parametrize("label", ["../../x", "deu/Latn", "/abs", "a" * 300, "deu_Latn\x00", "", "default"])
def test_a_label_that_could_split_a_key_is_refused(label):
    with pytest.raises(UnsafePathError):
        removed_key("r", label)
    with pytest.raises(UnsafePathError):
        counter_key("docs_in", label)


def test_a_metric_cannot_pose_as_another_kind_of_key():
    for name in ("removed", "skipped", "lang", "docs_in", "file_error"):
        with pytest.raises(ValueError):
            metric_key(name)


def test_no_module_but_accounting_spells_a_structured_key():
    pattern = re.compile(r"""["'](removed|skipped|file_error|lang)/|["']peak_|f["']lang/""")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "accounting.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
