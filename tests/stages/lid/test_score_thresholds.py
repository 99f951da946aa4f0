"""Per-language language_score thresholds from the default engine's scores on real lid-dev paragraphs."""

import numpy as np

from curator.stages.lid.engines import make_engine
from curator.stages.lid.score_thresholds import (
    MIN_TEXTS,
    language_score_threshold,
    lid_dev_paragraphs,
    score_distributions,
    thresholds,
    write_tsv,
)
from curator.text.labels import read_tsv
from tests.conftest import shared_data


def test_rule_is_median_minus_std_clipped():
    assert language_score_threshold(np.array([0.99] * 10)) == 0.9  # sure everywhere: capped at 0.9
    assert language_score_threshold(np.array([0.1, 0.2, 0.2])) == 0.3  # unsure everywhere: floor 0.3
    scores = np.array([0.5, 0.6, 0.7, 0.8, 0.9])
    assert language_score_threshold(scores) == np.floor(1000 * (0.7 - scores.std())) / 1000


def test_thresholds_from_real_paragraphs(tmp_path):
    folder = tmp_path / "lid-dev"
    folder.mkdir()
    for code in ("deu", "yor"):  # a language the engines are sure of, and one they are less sure of
        (folder / f"{code}.txt").write_text(shared_data(f"lid-dev/{code}.txt").read_text(encoding="utf-8"))
    texts = lid_dev_paragraphs(folder, sentences=5, per_language=12)
    assert len(texts) == 24 and all(text.count("\n") == 4 for _, text in texts)
    rows = {row["language"]: row for row in thresholds(score_distributions(make_engine("ensemble"), texts))}
    assert set(rows) == {"deu_Latn", "yor_Latn"}
    for row in rows.values():
        assert MIN_TEXTS <= row["n"] <= 12 and 0.3 <= row["threshold"] <= 0.9
        assert row["threshold"] <= row["median"]
    assert rows["deu_Latn"]["median"] > 0.9
    write_tsv(tmp_path / "t.tsv", list(rows.values()), "ensemble")
    assert read_tsv(tmp_path / "t.tsv") == [
        {"language": r["language"], "threshold": f"{r['threshold']:.3f}", "n": str(r["n"])}
        for r in rows.values()
    ]
