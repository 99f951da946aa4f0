"""Threshold matching: the same share as the reference, carried over sensibly, never harsher than
the reference where only the text's cleanliness (not the language's units) differs."""

import numpy as np

from curator.calibrate.thresholds import (
    calibrated_thresholds,
    final_threshold,
    loosen_to_keep,
    match_threshold,
    removed_share,
)

RULE = {rule.name: rule for rule in calibrated_thresholds()}
RNG = np.random.default_rng(0)


def test_same_distribution_gives_the_reference_threshold_back():
    english = RNG.normal(0.5, 0.1, 2000)
    other = RNG.normal(0.5, 0.1, 2000)
    threshold, how = match_threshold(english, 0.4, other, RULE["line_punct_thr"])
    assert how == "share"
    assert abs(threshold - 0.4) < 0.02


def test_share_matching_removes_the_reference_share_of_a_shifted_language():
    english = RNG.normal(0.6, 0.1, 2000)
    thai = RNG.normal(0.2, 0.05, 2000)  # lines rarely end in '.': the ratio sits lower
    threshold, _ = match_threshold(english, 0.5, thai, RULE["line_punct_thr"])
    target = removed_share(english, 0.5, removes_above=False)
    assert abs(removed_share(thai, threshold, removes_above=False) - target) < 0.02
    assert threshold < 0.3


def test_size_like_rules_scale_by_the_ratio_of_medians():
    english = RNG.normal(4.8, 0.4, 500)
    chinese = RNG.normal(1.6, 0.15, 500)
    threshold, how = match_threshold(english, 10.0, chinese, RULE["max_avg_word_length"])
    assert how == "ratio"
    assert 3.0 < threshold < 3.7


def test_no_spread_falls_back_to_the_languages_extreme():
    english = RNG.uniform(0.7, 1.0, 300)
    thai = np.zeros(300)  # no line of the language ends with the stop characters
    threshold, _ = match_threshold(english, 0.12, thai, RULE["line_punct_thr"])
    assert threshold == 0.0
    assert removed_share(thai, threshold, removes_above=False) == 0.0


def test_ratio_rules_never_end_stricter_than_the_reference_but_unit_rules_may():
    assert final_threshold(0.05, 0.3, RULE["dup_line_frac"]) == 0.3
    assert final_threshold(0.5, 0.12, RULE["line_punct_thr"]) == 0.12
    assert final_threshold(3.2, 10.0, RULE["max_avg_word_length"]) == 3.2
    assert final_threshold(4.1, 3.0, RULE["min_avg_word_length"]) == 3.0


def test_loosen_to_keep_only_ever_loosens():
    values = np.linspace(0.0, 1.0, 101)
    rule = RULE["max_non_alpha_words_ratio"]  # removes documents below the threshold
    assert loosen_to_keep(0.3, values, 0.01, rule) == 0.01
    assert loosen_to_keep(0.0, values, 0.01, rule) == 0.0
