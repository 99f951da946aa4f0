"""The plan from statistics: quality factors, notes for labels that match no documents."""

import json

import numpy as np
import pytest

from curator.stages.rebalance.params import RebalanceParams
from curator.stages.rebalance.plan import build_plan, quality_factor
from curator.stages.rebalance.scan import NO_QUALITY, ColumnsSeen, LanguageStats


def stats_with(docs_by_level: dict[int, int], chars_per_doc: int = 400, n_buckets: int = 6) -> LanguageStats:
    s = LanguageStats(n_buckets)
    for level, n in docs_by_level.items():
        s.docs[0, level] += n
        s.chars[0, level] += n * chars_per_doc
        if level != NO_QUALITY:
            s.quality_sum += n * level / 100
            s.quality_docs += n
    return s


def test_quality_factor_hand_computed():
    # floor 0.5, language mean 0.5: (0.5 + 0.5 q) / 0.75
    assert quality_factor(1.0, 0.5, 0.5) == pytest.approx(4 / 3)
    assert quality_factor(0.0, 0.5, 0.5) == pytest.approx(2 / 3)
    assert quality_factor(0.5, 0.5, 0.5) == pytest.approx(1.0)
    assert quality_factor(0.2, 0.4, 0.0) == pytest.approx(0.5)  # no floor: proportional


def test_quality_scaling_keeps_the_language_total():
    params = RebalanceParams.model_validate({"rehydration": {"mode": "off", "quality_scaling": True}})
    stats = {"deu_Latn": stats_with({20: 10, 80: 10, NO_QUALITY: 5}, n_buckets=1)}  # mode off: one bucket
    columns = ColumnsSeen(files=1, with_cluster_size=1, with_quality=1)
    plan = build_plan(params, stats, columns)
    lang = plan.languages["deu_Latn"]
    assert lang.quality_mean == pytest.approx(0.5)
    # factors 0.6/0.75 and 0.9/0.75 average to 1 over the scored documents: the total is unchanged
    assert lang.mix.expected_tokens == pytest.approx(25 * 400 / 4)


def test_labels_matching_no_documents_are_noted():
    params = RebalanceParams.model_validate(
        {
            "mixing": {
                "mode": "weights",
                "weights": {"deu_Latn": 1, "deu": 2},
                "token_budgets": {"fra_Latn": 10},
            }
        }
    )
    plan = build_plan(params, {"deu_Latn": stats_with({50: 4})}, ColumnsSeen(1, 1, 1))
    assert plan.notes["mixing.weights"].endswith(": deu")
    assert plan.notes["mixing.token_budgets"].endswith(": fra_Latn")
    assert np.isclose(plan.languages["deu_Latn"].mix.target_share, 1.0)


def test_plan_json_round_trip_and_stale_plan(tmp_path):
    """The planner writes and the tasks read one model: JSON -> plan -> JSON is the identity, and a
    plan.json of another shape names the file instead of failing with a KeyError in a task."""
    from curator.core.errors import CuratorError
    from curator.stages.rebalance.plan import RebalancePlan

    params = RebalanceParams.model_validate(
        {"rehydration": {"mode": "removal_rate", "bucket_edges": [1, 2, 3, 5, 100, 1000]}}
    )
    removed = {"deu_Latn": np.array([30, 2, 1, 0, 0, 0])}
    plan = build_plan(params, {"deu_Latn": stats_with({50: 40})}, ColumnsSeen(1, 1, 1), removed)
    plan.documents_dir = "/x/data"
    path = tmp_path / "plan.json"
    plan.write(path)
    text = path.read_text()
    again = RebalancePlan.read(path)
    assert again == plan
    assert again.languages["deu_Latn"].rehydration_detail.removed_by_filters == [30, 2, 1, 0, 0, 0]
    again.write(path)
    assert path.read_text() == text

    table = build_plan(RebalanceParams(), {"deu_Latn": stats_with({50: 4})}, ColumnsSeen(1, 1, 1)).to_json()
    assert table["languages"]["deu_Latn"]["rehydration_detail"] == {}  # as before the model
    assert "documents_dir" not in table
    assert RebalancePlan.from_json(table).languages["deu_Latn"].rehydration_detail is None

    del table["languages"]["deu_Latn"]["scale"]
    path.write_text(json.dumps(table))
    with pytest.raises(CuratorError, match=r"plan.json: not a rebalance plan.*scale.*delete it"):
        RebalancePlan.read(path)
    with pytest.raises(CuratorError, match="rebalance plan not found"):
        RebalancePlan.read(tmp_path / "absent.json")
