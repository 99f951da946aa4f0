"""rebalance end to end: real sentences (lid-dev) as documents, mix.json checked against the files."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml
from datatrove.executor import LocalPipelineExecutor

from curator.config import load_config
from curator.config.loader import LoadedConfig
from curator.config.schema import PipelineConfig, StageConfig
from curator.core.errors import CuratorError
from curator.exec.run import run
from curator.stages.base import BuildContext
from curator.stages.rebalance.block import RebalanceBlock
from curator.stages.rebalance.params import FINEWEB2_TABLE, RebalanceParams
from curator.stages.rebalance.rehydration import removal_rate_weights
from tests.conftest import shared_data

CLUSTER_SIZES = [1, 1, 2, 3, 4, 7, 150, 2000]  # every range of FineWeb2's table


def real_documents(iso: str, language: str, n: int, lines_per_doc: int = 4) -> list[dict]:
    """n documents of consecutive real sentences from lid-dev/<iso>.txt."""
    lines = shared_data(f"lid-dev/{iso}.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= n * lines_per_doc // 2
    rng = np.random.default_rng(len(language))
    docs = []
    for i in range(n):
        start = (i * lines_per_doc) % (len(lines) - lines_per_doc)
        docs.append(
            {
                "id": f"{language}/{i}",
                "text": "\n".join(lines[start : start + lines_per_doc]),
                "language": language,
                "minhash_cluster_size": CLUSTER_SIZES[i % len(CLUSTER_SIZES)],
                "quality_score": float(rng.uniform(0.05, 1.0)),
            }
        )
    return docs


def write_input(tmp_path: Path, docs: list[dict], drop: tuple[str, ...] = ()) -> Path:
    path = tmp_path / "input" / "docs.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([{k: v for k, v in d.items() if k not in drop} for d in docs]), path)
    return path


def run_config(tmp_path: Path, input_path: Path, params: dict, tasks: int = 2) -> Path:
    cfg = {
        "name": "rebalance-test",
        "input": {"format": "parquet", "paths": [str(input_path)]},
        "output": str(tmp_path / "out"),
        "executor": {"tasks": tasks, "workers": 1},
        "stages": [{"rebalance": params}],
        "report": False,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    loaded = load_config(path)
    run(loaded)
    return loaded.output_dir


def mix_rows(out: Path) -> list[dict]:
    return (
        ds.dataset(sorted(str(p) for p in (out / "mix").rglob("*.parquet")), format="parquet")
        .to_table(columns=["id", "text", "language", "repetitions"])
        .to_pylist()
    )


def assert_adds_up(mix: dict, rows: list[dict], cap: int, materialized: bool):
    """mix.json agrees with the Parquet files: documents, tokens (chars/4), shares, the cap."""
    assert mix["token_estimator"].startswith("estimated tokens = characters / chars_per_token")
    assert sum(v["share"] for v in mix["languages"].values()) == pytest.approx(1.0, abs=1e-9)
    assert mix["checks"]["max_repetitions_within_cap"] is True
    assert max(r["repetitions"] for r in rows) <= cap
    unique = {r["id"]: r for r in rows}
    for lang, v in mix["languages"].items():
        mine = [r for r in unique.values() if r["language"] == lang]
        assert v["documents_in_mix"] == len(mine)
        assert v["tokens_after"] == round(sum(len(r["text"]) * r["repetitions"] for r in mine) / 4)
        if materialized:
            copies = Counter(r["id"] for r in rows if r["language"] == lang)
            assert all(copies[r["id"]] == r["repetitions"] for r in mine)


def test_fineweb2_table_natural_mix(tmp_path):
    docs = real_documents("deu", "deu_Latn", 64) + real_documents("fra", "fra_Latn", 40)
    out = run_config(tmp_path, write_input(tmp_path, docs), {"rehydration": {"mode": "table"}})
    mix = json.loads((out / "mix.json").read_text())
    assert {p.suffix for p in (out / "mix").rglob("*") if p.is_file()} == {".parquet"}
    rows = mix_rows(out)
    assert_adds_up(mix, rows, cap=4, materialized=False)
    # every document once in the files, repetitions = FineWeb2's table capped at 4
    expected = {1: 1, 2: 2, 3: 3, 4: 3, 7: 4, 150: 4, 2000: 1}
    by_id = {r["id"]: r["repetitions"] for r in rows}
    assert len(by_id) == len(rows) == len(docs)
    assert all(by_id[d["id"]] == expected[d["minhash_cluster_size"]] for d in docs)
    deu = mix["languages"]["deu_Latn"]
    deu_chars = sum(len(d["text"]) for d in docs if d["language"] == "deu_Latn")
    assert deu["documents"] == 64 and deu["tokens_before"] == round(deu_chars / 4)
    assert deu["documents_at_cap"] == 16  # sizes 7 and 150: 2 of every 8
    assert deu["rehydration"]["bucket_weights"] == {
        f"[{a},{b})": FINEWEB2_TABLE[a] for a, b in [(1, 2), (2, 3), (3, 5), (5, 100), (100, 1000)]
    } | {"[1000,inf)": 1}
    assert "table" in mix["notes"]  # weight 8 is above the cap and says so
    assert mix["rehydration"]["minhash_cluster_size"] == "present"


def test_temperature_mix_materialized_with_unreachable_language(tmp_path):
    docs = real_documents("deu", "deu_Latn", 120) + real_documents("isl", "isl_Latn", 8)
    params = {
        "rehydration": {"mode": "off"},
        "materialize": True,
        "mixing": {"mode": "temperature", "alpha": 0.1},
    }
    out = run_config(tmp_path, write_input(tmp_path, docs), params, tasks=2)
    mix = json.loads((out / "mix.json").read_text())
    rows = mix_rows(out)
    assert_adds_up(mix, rows, cap=4, materialized=True)
    isl, deu = mix["languages"]["isl_Latn"], mix["languages"]["deu_Latn"]
    # alpha 0.1 asks for nearly equal shares: Icelandic would need > 4 repetitions of every document
    assert isl["limited_by"] == "repetition_cap"
    assert [u["language"] for u in mix["unreachable"]] == ["isl_Latn"]
    assert isl["max_repetitions"] == 4 and isl["documents_at_cap"] == 8
    assert isl["share"] < isl["target_share"]
    # German is downsampled: some documents left out, each counted
    assert deu["effective_repetition"] < 1 and deu["documents_left_out"] > 0
    assert deu["documents_in_mix"] + deu["documents_left_out"] == 120
    stats = json.loads((out / "stats" / "rebalance.json").read_text())
    assert stats["removed"] == {"rebalance:not_sampled": deu["documents_left_out"]}
    assert stats["docs_in"] == 128 and stats["docs_out"] == 128 - deu["documents_left_out"]
    assert stats["chars_in"] == sum(len(d["text"]) for d in docs)


def test_missing_dedup_and_quality_columns_are_reported(tmp_path):
    docs = real_documents("fra", "fra_Latn", 20)
    path = write_input(tmp_path, docs, drop=("minhash_cluster_size", "quality_score"))
    out = run_config(tmp_path, path, {"rehydration": {"mode": "table", "quality_scaling": True}}, tasks=1)
    mix = json.loads((out / "mix.json").read_text())
    assert mix["rehydration"]["minhash_cluster_size"] == "missing"
    assert mix["rehydration"]["quality_scaling"] == "off"
    assert "dedup did not run" in mix["notes"]["rehydration"]
    assert "quality did not run" in mix["notes"]["quality_scaling"]
    assert {r["repetitions"] for r in mix_rows(out)} == {1}


def test_quality_scaling_moves_repetitions_to_better_documents(tmp_path):
    docs = real_documents("deu", "deu_Latn", 200)
    for d in docs:
        d["minhash_cluster_size"] = 2
    path = write_input(tmp_path, docs)
    out = run_config(tmp_path, path, {"rehydration": {"mode": "table", "quality_scaling": True}}, tasks=1)
    reps = {r["id"]: r["repetitions"] for r in mix_rows(out)}
    quality = {d["id"]: d["quality_score"] for d in docs if d["id"] in reps}
    top = [reps[i] for i in quality if quality[i] > 0.8]
    low = [reps[i] for i in quality if quality[i] < 0.3]
    assert np.mean(top) > 2 > np.mean(low)


# ---- data-driven rehydration on a hand-made run folder -------------------------------------------------

EDGES = [1, 2, 3, 5, 10]
KEPT = [60, 90, 100, 80, 20]  # per bucket; removal rates 0.4, 0.1, 0.0, 0.2, 0.8 (global 0.3)
REMOVED = [40, 10, 0, 20, 80]


def loaded_config(out: Path, stages: list[tuple[str, object]]) -> LoadedConfig:
    config = PipelineConfig.model_construct(
        name="t",
        input=None,
        output=str(out),
        executor=PipelineConfig.model_fields["executor"].default_factory(),
        stages=[StageConfig.model_construct(block=b, params=p) for b, p in stages],
        report=False,
    )
    return LoadedConfig(config=config, path=out / "config.yaml", raw={})


def make_block(out: Path, params: dict, stages=("lid", "dedup", "filters")) -> RebalanceBlock:
    names = [*stages, "rebalance"]
    loaded = loaded_config(out, [(n, None) for n in names])
    return RebalanceBlock(
        RebalanceParams.model_validate(params), BuildContext(loaded, "rebalance", len(names) - 1)
    )


def run_phases(block: RebalanceBlock, documents_dir: Path, logs: Path):
    for phase in block.phases():
        LocalPipelineExecutor(
            pipeline=phase.build(documents_dir),
            tasks=phase.tasks or 1,
            workers=1,
            logging_dir=str(logs / phase.name),
        ).run()


def write_bucket_docs(folder: Path, counts: list[int], lines: list[str], with_cluster_size: bool = True):
    rows = []
    for bucket, n in enumerate(counts):
        for i in range(n):
            row = {
                "id": f"b{bucket}-{i}-{folder.name}",
                "text": lines[(bucket * 100 + i) % len(lines)],
                "language": "tur_Latn",
            }
            if with_cluster_size:
                row["minhash_cluster_size"] = EDGES[bucket]
            rows.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "00000.parquet")


@pytest.fixture
def turkish_lines():
    return shared_data("lid-dev/tur.txt").read_text(encoding="utf-8").splitlines()


def test_removal_rate_rehydration_end_to_end(tmp_path, turkish_lines):
    out = tmp_path / "out"
    write_bucket_docs(out / "data" / "tur_Latn", KEPT, turkish_lines)
    write_bucket_docs(out / "removed" / "filters", REMOVED, turkish_lines)
    params = {
        "rehydration": {
            "mode": "removal_rate",
            "bucket_edges": EDGES,
            "max_repetitions": 5,
            "smoothing_window": 3,
            "min_bucket_docs": 1,
        },
        "max_repetitions": 5,
    }
    block = make_block(out, params)
    assert block.check() == []
    run_phases(block, out / "data", tmp_path / "logs")
    mix = json.loads((out / "mix.json").read_text())
    tur = mix["languages"]["tur_Latn"]
    assert tur["rehydration"]["global_removal_rate"] == pytest.approx(0.3)
    # hand-computed in tests/stages/rebalance/test_rehydration.py: smoothed raw weights 2.33, 3.22, 3.67, 2.78, 1.67
    assert list(tur["rehydration"]["bucket_weights"].values()) == [2, 3, 4, 3, 2]
    assert removal_rate_weights(KEPT, REMOVED, 5, 3).weights == [2, 3, 4, 3, 2]
    rows = mix_rows(out)
    by_bucket = {}
    for r in rows:
        by_bucket.setdefault(int(r["id"][1]), set()).add(r["repetitions"])
    assert by_bucket == {0: {2}, 1: {3}, 2: {4}, 3: {3}, 4: {2}}
    assert_adds_up(mix, rows, cap=5, materialized=False)


def test_removal_rate_without_cluster_sizes_on_removed_docs_says_what_to_do(tmp_path, turkish_lines):
    out = tmp_path / "out"
    write_bucket_docs(out / "data" / "tur_Latn", KEPT, turkish_lines)
    write_bucket_docs(out / "removed" / "filters", REMOVED, turkish_lines, with_cluster_size=False)
    block = make_block(out, {"rehydration": {"mode": "removal_rate"}})
    plan_phase = block.phases()[0]
    step = plan_phase.build(out / "data")[0]
    with pytest.raises(CuratorError, match="needs dedup before filters"):
        list(step.run(None, 0, 1))


def test_check_refuses_removal_rate_without_dedup_before_filters(tmp_path):
    block = make_block(
        tmp_path, {"rehydration": {"mode": "removal_rate"}}, stages=("lid", "filters", "dedup")
    )
    problems = block.check()
    assert len(problems) == 1
    assert problems[0].key == "rehydration.mode"
    assert "needs dedup before filters" in problems[0].message and "'filters'" in problems[0].message
    block = make_block(tmp_path, {"rehydration": {"mode": "removal_rate"}}, stages=("lid", "dedup"))
    assert "no stage 'filters'" in block.check()[0].message
    assert make_block(tmp_path, {"rehydration": {"mode": "table"}}, stages=("lid",)).check() == []


def test_documents_removed_after_the_filters_count_as_filter_survivors(tmp_path, turkish_lines):
    out = tmp_path / "out"
    write_bucket_docs(out / "data" / "tur_Latn", KEPT, turkish_lines)
    write_bucket_docs(out / "removed" / "filters", REMOVED, turkish_lines)
    write_bucket_docs(
        out / "removed" / "quality", [0, 0, 0, 0, 20], turkish_lines
    )  # passed filters, then removed
    params = {"rehydration": {"mode": "removal_rate", "bucket_edges": EDGES, "min_bucket_docs": 1}}
    block = make_block(out, params, stages=("lid", "dedup", "filters", "quality"))
    list(block.phases()[0].build(out / "data")[0].run(None, 0, 1))
    plan = json.loads((out / "stages" / "rebalance" / "plan.json").read_text())
    detail = plan["languages"]["tur_Latn"]["rehydration_detail"]
    assert detail["kept_by_filters"] == [60, 90, 100, 80, 40]
    assert detail["removal_rates"][4] == pytest.approx(80 / 120)
    assert detail["global_removal_rate"] == pytest.approx(150 / 520)


def test_check_wants_rebalance_last(tmp_path):
    loaded = loaded_config(tmp_path, [("lid", None), ("rebalance", None), ("quality", None)])
    block = RebalanceBlock(RebalanceParams(), BuildContext(loaded, "rebalance", 1))
    (problem,) = block.check()
    assert "must be the last stage" in problem.message and "quality" in problem.message
