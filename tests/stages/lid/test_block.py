"""The lid block on real lid-dev sentences: labels, removals with reasons, removed files, checks."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from datatrove.data import Document

from curator.config import load_config
from curator.stages.base import BuildContext
from curator.stages.lid.block import LidBlock, LidParams
from tests.conftest import shared_data


def sentences(code: str, n: int, start: int = 0) -> str:
    lines = shared_data(f"lid-dev/{code}.txt").read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[start : start + n])


def make_block(tmp_path: Path, **params) -> LidBlock:
    cfg = {
        "name": "t",
        "input": {"format": "jsonl", "paths": [str(tmp_path / "in.jsonl")]},
        "output": str(tmp_path / "out"),
        "executor": {"kind": "local", "tasks": 1, "workers": 1},
        "stages": [{"lid": params}],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    loaded = load_config(path)
    return LidBlock(LidParams(**params), BuildContext(loaded, "lid", 0))


def profiles(tmp_path: Path, language_score: float) -> str:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "default.yaml").write_text(f"language_score: {language_score}\n")
    return str(folder)


def run_step(block: LidBlock, docs: list[Document]):
    (phase,) = block.phases()
    (step,) = phase.steps
    kept = list(step.run(iter(docs), rank=0, world_size=1))
    return step, kept


def test_labels_documents_in_many_scripts(tmp_path):
    block = make_block(tmp_path, profiles=profiles(tmp_path, 0.3))
    codes = ["deu", "rus", "jpn", "kor", "zho", "tha", "ara", "hin", "ell", "heb", "tam", "vie", "yor", "zul"]
    docs = [Document(text=sentences(code, 5), id=code) for code in codes]
    _, kept = run_step(block, docs)
    assert [d.id for d in kept] == codes
    expected = {
        "deu": "deu_Latn",
        "rus": "rus_Cyrl",
        "jpn": "jpn_Jpan",
        "kor": "kor_Hang",
        "zho": "cmn_Hani",
        "tha": "tha_Thai",
        "ara": "arb_Arab",
        "hin": "hin_Deva",
        "ell": "ell_Grek",
        "heb": "heb_Hebr",
        "tam": "tam_Taml",
        "vie": "vie_Latn",
        "yor": "yor_Latn",
        "zul": "zul_Latn",
    }
    for doc in kept:
        assert doc.metadata["language"] == expected[doc.id]
        assert doc.metadata["language_score"] > 0.5
        top = doc.metadata["lid_top3"]
        assert top[0] == {"label": doc.metadata["language"], "score": doc.metadata["language_score"]}


def test_low_scores_are_removed_counted_and_written(tmp_path):
    block = make_block(tmp_path, profiles=profiles(tmp_path, 0.8))
    # one sentence each of five languages: no language dominates
    mixed = "\n".join(sentences(code, 1) for code in ["deu", "fra", "pol", "tur", "fin"])
    docs = [
        Document(text=sentences("deu", 8), id="de"),
        Document(text=mixed, id="mixed"),
        Document(text="", id="empty"),
    ]
    step, kept = run_step(block, docs)
    assert [d.id for d in kept] == ["de"]
    assert step.stats["removed/lid:low_score"].total == 2
    removed = pq.read_table(tmp_path / "out" / "removed" / "lid" / "00000.parquet").to_pylist()
    assert sorted(r["id"] for r in removed) == ["empty", "mixed"]
    assert {r["reason"] for r in removed} == {"lid:low_score"}
    assert all(r["language_score"] < 0.8 for r in removed)
    assert {r["language"] for r in removed if r["id"] == "empty"} == {"und_Zyyy"}


def test_allow_list(tmp_path):
    block = make_block(
        tmp_path, profiles=profiles(tmp_path, 0.3), languages=["deu", "srp_Latn"], write_removed=False
    )
    docs = [Document(text=sentences(code, 5), id=code) for code in ["deu", "fra", "srp"]]
    step, kept = run_step(block, docs)
    assert [d.id for d in kept] == ["deu"]  # srp lines are Cyrillic: srp_Cyrl is not srp_Latn
    assert step.stats["removed/lid:not_allowed"].total == 2
    assert step.stats["lang/fra_Latn/removed/lid:not_allowed"].total == 1


def test_check_names_the_missing_model(tmp_path):
    block = make_block(tmp_path, model="models/missing.bin", profiles=profiles(tmp_path, 0.5))
    problems = block.check()
    assert [p.key for p in problems] == ["model"]
    assert "missing.bin" in problems[0].message and "not found" in problems[0].message


def test_check_passes_with_the_default_model(tmp_path):
    assert make_block(tmp_path, engine="fasttext", profiles=profiles(tmp_path, 0.5)).check() == []


def test_bad_language_entry_is_a_config_error():
    with pytest.raises(ValueError, match="German"):
        LidParams(languages=["German"])


def test_check_reports_a_model_that_does_not_load(tmp_path):
    broken = tmp_path / "broken.bin"
    broken.write_text("not a fastText model")
    problems = make_block(
        tmp_path, engine="fasttext", model=str(broken), profiles=profiles(tmp_path, 0.5)
    ).check()
    assert [p.key for p in problems] == ["model"]
    assert "cannot load" in problems[0].message


def test_check_rejects_a_model_for_heliport(tmp_path):
    problems = make_block(
        tmp_path, engine="heliport", model="x.bin", profiles=profiles(tmp_path, 0.5)
    ).check()
    assert [p.key for p in problems] == ["model"]


def test_check_rejects_a_model_no_voter_uses(tmp_path):
    problems = make_block(
        tmp_path, voters=["heliport", "cld2"], model="x.bin", profiles=profiles(tmp_path, 0.5)
    ).check()
    assert [p.key for p in problems] == ["model"]
    assert "does not use" in problems[0].message


def test_voters_choose_the_ensemble_engines(tmp_path):
    block = make_block(tmp_path, voters=["heliport", "cld2"], profiles=profiles(tmp_path, 0.3))
    step, kept = run_step(block, [Document(text=sentences("tsn", 5), id="tsn")])
    assert [engine.name for engine in step.engine.engines] == ["heliport", "cld2"]
    assert kept[0].metadata["language"] == "tsn_Latn"  # heliport lacks Tswana: CLD2 names it


def test_unknown_voter_is_a_config_error():
    with pytest.raises(ValueError, match="voters"):
        LidParams(voters=["glotlid"])
