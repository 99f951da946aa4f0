"""Mixing math: temperature shares, the repetition cap, token budgets, unreachable shares."""

import numpy as np
import pytest

from curator.stages.rebalance.mixing import LanguageCells, plan_mix, solve_scale, target_shares
from curator.stages.rebalance.params import MixingParams


def cells(weights, tokens):
    return LanguageCells(np.asarray(weights, dtype=float), np.asarray(tokens, dtype=float))


def test_temperature_shares():
    shares = target_shares({"a": 900.0, "b": 100.0}, MixingParams(mode="temperature", alpha=0.5))
    assert shares == pytest.approx({"a": 30 / 40, "b": 10 / 40})  # sqrt(900)=30, sqrt(100)=10


def test_explicit_weights_and_other_weight():
    shares = target_shares(
        {"a": 1.0, "b": 1.0, "c": 1.0}, MixingParams(mode="weights", weights={"a": 3, "b": 1})
    )
    assert shares == {"a": 0.75, "b": 0.25, "c": 0.0}
    shares = target_shares(
        {"a": 1.0, "b": 1.0}, MixingParams(mode="weights", weights={"a": 3}, other_weight=1)
    )
    assert shares == {"a": 0.75, "b": 0.25}


def test_scale_with_cap_hand_computed():
    # weights 1 and 4 (cap 4), 100 tokens each: E(s) = 100*min(4, s) + 100*min(4, 4s); E(1) = 500, E(2) = 600
    c = cells([1, 4], [100, 100])
    assert c.expected_tokens(1.0, cap=4) == 500
    assert solve_scale(c, 600, cap=4) == pytest.approx(2.0)
    assert c.max_tokens(cap=4) == 800


def test_temperature_plan_upsamples_small_language_within_cap():
    languages = {"a": cells([1], [900]), "b": cells([1], [100])}
    plan = plan_mix(languages, MixingParams(mode="temperature", alpha=0.5), cap=4)
    # total stays the natural 1000 tokens: a -> 750 (scale 0.8333), b -> 250 (scale 2.5)
    assert plan["a"].scale == pytest.approx(750 / 900)
    assert plan["b"].scale == pytest.approx(2.5)
    assert plan["b"].limited_by is None
    assert plan["a"].expected_tokens + plan["b"].expected_tokens == pytest.approx(1000)


def test_unreachable_share_is_reported_not_over_repeated():
    languages = {"a": cells([1], [900]), "b": cells([1], [100])}
    plan = plan_mix(languages, MixingParams(mode="weights", weights={"a": 1, "b": 1}), cap=4)
    # b would need 500 tokens = 5 repetitions of its 100 tokens: more than the cap of 4
    assert plan["b"].limited_by == "repetition_cap"
    assert plan["b"].target_tokens == pytest.approx(500)
    assert plan["b"].expected_tokens == pytest.approx(400)
    assert plan["b"].scale == pytest.approx(4.0)
    assert plan["a"].scale == pytest.approx(500 / 900)  # the shortfall is not given to a


def test_token_budget_limits_a_language():
    languages = {"a": cells([1], [900]), "b": cells([1], [100])}
    params = MixingParams(
        mode="weights", weights={"a": 1, "b": 1}, total_tokens=400, token_budgets={"a": 150}
    )
    plan = plan_mix(languages, params, cap=4)
    assert plan["a"].limited_by == "token_budget"
    assert plan["a"].expected_tokens == pytest.approx(150)
    assert plan["b"].expected_tokens == pytest.approx(200)
    assert plan["b"].scale == pytest.approx(2.0)


def test_natural_mode_keeps_rehydrated_weights_but_caps_them():
    plan = plan_mix({"a": cells([1, 8], [100, 10])}, MixingParams(), cap=4)
    assert plan["a"].scale == 1.0
    assert plan["a"].expected_tokens == pytest.approx(100 + 40)  # weight 8 capped at 4
    assert plan["a"].target_share == 1.0


def test_language_with_zero_weight_is_left_out():
    plan = plan_mix(
        {"a": cells([1], [10]), "b": cells([1], [10])}, MixingParams(mode="weights", weights={"a": 1}), cap=4
    )
    assert plan["b"].scale == 0.0
    assert plan["b"].expected_tokens == 0.0
