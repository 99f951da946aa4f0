"""The CCI4.0 ensemble: percentile buckets per language, max over classifiers, cut-offs."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from curator.stages.quality.buckets import (
    ALL_LANGUAGES,
    BucketTable,
    bucket_edges,
    bucket_of,
    ensemble_score,
    top_fraction_cutoff,
)
from curator.stages.quality.edges import QualityBucketEdges
from curator.stages.quality.ensemble import REASON, QualityEnsembleFilter
from curator.stages.quality.thresholds import QualityThresholds


def test_twenty_distinct_scores_fill_one_bucket_each():
    scores = [round(0.01 * k, 2) for k in range(1, 21)]  # 0.01 .. 0.20
    edges = bucket_edges(scores)
    assert edges == pytest.approx(scores[:19])  # edge k = the k-th smallest score
    assert [bucket_of(s, edges) for s in scores] == list(range(20))
    assert bucket_of(0.0, edges) == 0 and bucket_of(0.99, edges) == 19


def test_ensemble_is_the_best_bucket_over_classifiers_hand_computed():
    # classifier a ranks doc i in bucket i, classifier b in bucket 19 - i
    a = [round(0.01 * k, 2) for k in range(1, 21)]
    b = list(reversed(a))
    edges = {"a": bucket_edges(a), "b": bucket_edges(b)}
    got = [ensemble_score({"a": a[i], "b": b[i]}, edges) for i in range(20)]
    # doc 0: max(0, 19) = 19 -> 1.0; doc 9: max(9, 10) = 10 -> 10/19; doc 10: max(10, 9) = 10
    assert got[0] == 1.0 and got[19] == 1.0
    assert got[9] == pytest.approx(10 / 19) and got[10] == pytest.approx(10 / 19)
    assert min(got) == pytest.approx(10 / 19)


def test_tied_scores_take_the_middle_of_the_buckets_they_tie_with():
    # 10 docs at 0.0 and 10 at 1.0 (saturated probabilities): edges 1-10 are 0.0, edges 11-19 are 1.0
    edges = bucket_edges([0.0] * 10 + [1.0] * 10)
    assert edges == [0.0] * 10 + [1.0] * 9
    assert bucket_of(0.0, edges) == 5  # 0 edges below, 10 at or below -> (0 + 10) // 2
    assert bucket_of(1.0, edges) == 14  # 10 below, 19 at or below -> (10 + 19) // 2
    assert bucket_of(0.5, edges) == 10


def test_keep_top_fraction_cutoff_keeps_at_least_the_fraction():
    assert top_fraction_cutoff([0.1, 0.2, 0.3, 0.4], 0.5) == 0.3
    assert top_fraction_cutoff([0.0, 0.5, 0.5, 1.0], 0.5) == 0.5  # the tie at 0.5 is kept whole
    assert top_fraction_cutoff([0.2, 0.9], 1.0) == 0.0
    assert top_fraction_cutoff([0.2, 0.9], 0.01) == 0.9


def write_side_file(folder: Path, rank: int, languages: list[str], web: list[float]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"language": languages, "web": web}), folder / f"{rank:05d}.parquet")


def test_edges_per_language_over_all_tasks_then_filter(tmp_path):
    scores_dir, table_path = tmp_path / "scores", tmp_path / "buckets.json"
    # two tasks; German scores are all high, French all low: ranking per language evens that out
    deu = [0.90 + 0.004 * k for k in range(20)]
    fra = [0.01 * k for k in range(20)]
    write_side_file(scores_dir, 0, ["deu_Latn"] * 10 + ["fra_Latn"] * 10, deu[:10] + fra[:10])
    write_side_file(scores_dir, 1, ["deu_Latn"] * 10 + ["fra_Latn"] * 10, deu[10:] + fra[10:])
    (scores_dir / ".00002.parquet.tmp").write_bytes(b"half a file of a killed task")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "default.yaml").write_text("language_score: 0.65\n")
    (profiles / "fra_Latn.yaml").write_text("quality_keep_top_fraction: 0.25\n")
    thresholds = QualityThresholds(min_score=None, keep_top_fraction=0.5, profiles_dir=profiles)

    list(QualityBucketEdges(scores_dir, table_path, ["web"], thresholds).run(None, 0, 1))
    table = BucketTable.load(table_path)
    assert table.languages["deu_Latn"].docs == 20 and table.languages[ALL_LANGUAGES].docs == 40
    assert table.languages["deu_Latn"].keep_min_score == pytest.approx(10 / 19)  # top half: buckets 10..19
    assert table.languages["fra_Latn"].keep_min_score == pytest.approx(15 / 19)  # profile: top quarter

    docs = [
        Document(text=f"d{k}", id=f"deu{k}", metadata={"language": "deu_Latn", "quality_score_web": s})
        for k, s in enumerate(deu)
    ]
    docs += [
        Document(text=f"f{k}", id=f"fra{k}", metadata={"language": "fra_Latn", "quality_score_web": s})
        for k, s in enumerate(fra)
    ]
    step = QualityEnsembleFilter(table_path, thresholds)
    kept = list(step.run(iter(docs), 0, 1))
    assert sum(d.metadata["language"] == "deu_Latn" for d in kept) == 10
    assert sum(d.metadata["language"] == "fra_Latn" for d in kept) == 5
    assert {d.metadata["quality_score"] for d in docs} == {k / 19 for k in range(20)}
    removed = [d for d in docs if d not in kept]
    assert len(removed) == 25 and all(d.metadata["reason"] == REASON for d in removed)
    assert step.stats["removed/quality:below_threshold"].total == 25
    assert step.stats["lang/fra_Latn/removed/quality:below_threshold"].total == 15


def test_min_score_and_unknown_language_fall_back_to_all_documents(tmp_path):
    scores_dir, table_path = tmp_path / "scores", tmp_path / "buckets.json"
    write_side_file(scores_dir, 0, ["deu_Latn"] * 20, [0.01 * k for k in range(20)])
    thresholds = QualityThresholds(min_score=0.9)
    list(QualityBucketEdges(scores_dir, table_path, ["web"], thresholds).run(None, 0, 1))
    step = QualityEnsembleFilter(table_path, thresholds)
    # edges over all docs are 0.00 .. 0.18; 0.175 is above 18 of them: bucket 18
    doc = Document(text="x", id="x", metadata={"language": "zzz_Latn", "quality_score_web": 0.175})
    assert step.filter(doc) is True and doc.metadata["quality_score"] == pytest.approx(18 / 19)
    # 0.165: bucket 17, and 17/19 = 0.89 < min_score 0.9
    low = Document(text="y", id="y", metadata={"language": "deu_Latn", "quality_score_web": 0.165})
    assert step.filter(low) == (False, REASON)
