"""A rule is one row of text/rules.py: change the row (its default, its direction) and the profile, the
fused filter, the datatrove reference chain and calibration all follow, with nothing else edited."""

import dataclasses
import math
import shutil

import pytest
from datatrove.pipeline.filters import GopherQualityFilter

from curator.calibrate import thresholds
from curator.calibrate.calibrate import CalibrationSettings, calibrate_profiles
from curator.core.paths import DEFAULT_PROFILES_DIR
from curator.stages.filters.fused import FusedHeuristicFilter
from curator.stages.filters.reference import chain_first_failure, datatrove_chain, filter_arguments
from curator.text import rules
from curator.text.profiles import PROFILE_LAYOUT, LanguageProfile, load_profile
from scripts.devtools.calibration_corpus import lid_dev_documents
from scripts.devtools.filter_samples import gold_articles
from tests.conftest import shared_data


def change_row(monkeypatch, name: str, **changes) -> rules.Rule:
    """The one edit: row `name` of the table, changed."""
    new = dataclasses.replace(rules.rule(name), **changes)
    monkeypatch.setattr(rules, "RULE_TABLE", tuple(new if r.name == name else r for r in rules.RULE_TABLE))
    return new


@pytest.fixture
def profiles_dir(tmp_path):
    """A copy of the bundled default.yaml (it leaves min_doc_words to the table's default); a fresh
    folder also keeps the profile cache of other tests out."""
    shutil.copyfile(DEFAULT_PROFILES_DIR / "default.yaml", tmp_path / "default.yaml")
    return tmp_path


@pytest.fixture(scope="module")
def articles():
    """English gold articles of 100-300 words: kept by datatrove's defaults (min 50 words)."""
    docs = gold_articles(shared_data("html-gold/scrapinghub"))
    return [d for d in docs if 100 < len(d.text.split()) < 300]


def test_a_changed_default_reaches_profiles_fused_reference_and_calibration(
    monkeypatch, profiles_dir, articles
):
    language = "xyz_Latn"  # no profile of its own: default.yaml + the table's defaults
    before = FusedHeuristicFilter(profiles_dir=profiles_dir, disable=["fineweb_quality", "gopher_repetition"])
    kept = [d for d in articles if before.filter(d) is True]
    assert len(kept) > 20
    for doc in kept:
        doc.metadata["language"] = language

    change_row(monkeypatch, "min_doc_words", default=1000)

    profile = load_profile(language, profiles_dir)  # not loaded before the change (profiles are cached)
    assert profile.min_doc_words == 1000 and LanguageProfile(language="eng_Latn").min_doc_words == 1000
    fused = FusedHeuristicFilter(profiles_dir=profiles_dir, disable=["fineweb_quality", "gopher_repetition"])
    assert {fused.filter(d) for d in kept} == {(False, "gopher_quality:gopher_short_doc")}
    chain = datatrove_chain(fused.rules_for(language).profile)
    (quality,) = [f for f in chain if isinstance(f, GopherQualityFilter)]
    assert quality.min_doc_words == 1000
    assert {chain_first_failure(chain, d) for d in kept} == {"gopher_quality:gopher_short_doc"}

    # calibration: the reference language keeps the reference thresholds (the table's defaults)
    docs = list(lid_dev_documents(shared_data("lid-dev"), ["eng_Latn", "deu_Latn"], slice(0, 300)))
    results = calibrate_profiles(docs, profiles_dir / "calibrated", CalibrationSettings(min_docs=20))
    by_language = {r.profile.language: r.profile for r in results}
    assert by_language["eng_Latn"].min_doc_words == 1000
    assert by_language["deu_Latn"].min_doc_words > 300  # matched to the new reference, not to 50


def test_a_changed_direction_reaches_fused_reference_and_calibration(monkeypatch, articles):
    doc = next(d for d in articles if FusedHeuristicFilter().filter(d) is True)
    row = change_row(monkeypatch, "max_bullet_lines_ratio", removes_above=False)
    assert row.direction == "min"
    # fused: a prose article has (almost) no bullet lines, below the 0.9 that is now a minimum
    assert FusedHeuristicFilter().filter(doc) == (False, "gopher_quality:gopher_too_many_bullets")
    # calibration: the threshold removes from the other side, and rounds towards keeping documents
    (threshold,) = [t for t in thresholds.calibrated_thresholds() if t.key == "max_bullet_lines_ratio"]
    assert threshold.removes_above is False
    assert thresholds.final_threshold(0.12345, 0.9, threshold) == 0.123
    # reference: a FineWeb rule that is off gets the bound on the side it removes from
    change_row(monkeypatch, "line_punct_thr", removes_above=True)
    off = LanguageProfile(language="eng_Latn", line_punct_thr=None)
    assert filter_arguments(off, "fineweb_quality")["line_punct_thr"] == math.inf
    change_row(monkeypatch, "line_punct_thr", removes_above=False)
    assert filter_arguments(off, "fineweb_quality")["line_punct_thr"] == -math.inf


def test_every_rule_has_a_metric_a_reason_and_a_place_in_the_profile():
    from curator.calibrate.metrics import document_metrics

    measured = set(
        document_metrics("One line.\nTwo lines here.", ["One", "line", ".", "Two", "lines", "here", "."])
    )
    wanted = {t.metric for t in thresholds.calibrated_thresholds()}
    assert wanted == measured
    assert set(rules.RULE_NAMES) | set(rules.SETTING_NAMES) <= set(PROFILE_LAYOUT)
    assert all(r.reasons and r.family in rules.FAMILIES for r in rules.RULE_TABLE)
    # the constant that used to be called RULES in both modules now says what it is
    assert not hasattr(rules, "RULES") and not hasattr(thresholds, "RULES")
