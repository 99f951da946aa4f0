"""The quality block end to end on real web text: every document scored, cut-offs per language,
removals counted and written with their reason, and checks that name the bad model file."""

import json
import shutil
from itertools import islice
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import yaml
from pydantic import ValidationError

from curator.config import load_config
from curator.exec.run import run
from curator.stages.base import BuildContext
from curator.stages.quality.block import QualityBlock, QualityParams
from curator.stages.quality.classifier import DEFAULT_MODEL
from scripts.devtools import quality_corpus as corpus
from tests.conftest import shared_data

N_PAGES = 12


def write_docs(tmp_path: Path) -> Path:
    """Per page: its gold article body, and its other lines (menus, teasers, footers) as one doc."""
    pages = islice(corpus.scrapinghub_pages(shared_data("html-gold/scrapinghub")), N_PAGES)
    path = tmp_path / "docs.jsonl"
    with path.open("w") as f:
        for i, page in enumerate(pages):
            f.write(
                json.dumps({"id": f"main-{i}", "text": "\n".join(page.positive), "language": "eng_Latn"})
                + "\n"
            )
            f.write(
                json.dumps({"id": f"boiler-{i}", "text": "\n".join(page.negative), "language": "eng_Latn"})
                + "\n"
            )
    return path


def make_config(tmp_path: Path, quality: dict) -> Path:
    cfg = {
        "name": "t",
        "input": {"format": "jsonl", "paths": [str(write_docs(tmp_path))]},
        "output": str(tmp_path / "out"),
        "executor": {"kind": "local", "tasks": 2, "workers": 2},
        "stages": [{"quality": quality}],
        "report": False,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def rows(folder: Path) -> list[dict]:
    return ds.dataset(folder, format="parquet").to_table().to_pylist() if folder.exists() else []


def test_default_keeps_and_scores_every_document(tmp_path):
    loaded = load_config(make_config(tmp_path, {}))
    run(loaded)
    kept = rows(loaded.output_dir / "data")
    assert len(kept) == 2 * N_PAGES
    assert all(0 <= r["quality_score"] <= 1 and 0 <= r["quality_score_web"] <= 1 for r in kept)
    main = [r["quality_score_web"] for r in kept if r["id"].startswith("main")]
    boiler = [r["quality_score_web"] for r in kept if r["id"].startswith("boiler")]
    assert sorted(main)[N_PAGES // 2] > sorted(boiler)[N_PAGES // 2]  # medians
    assert max(r["quality_score"] for r in kept) >= 0.9  # the corpus is ranked: the best reach the top


def test_keep_top_fraction_removes_the_rest_with_a_reason(tmp_path):
    loaded = load_config(make_config(tmp_path, {"keep_top_fraction": 0.5}))
    run(loaded)
    kept = rows(loaded.output_dir / "data")
    removed = rows(loaded.output_dir / "removed" / "quality")
    assert len(kept) + len(removed) == 2 * N_PAGES
    assert N_PAGES <= len(kept) < 2 * N_PAGES
    assert {r["reason"] for r in removed} == {"quality:below_threshold"}
    assert min(r["quality_score"] for r in kept) > max(r["quality_score"] for r in removed)
    assert sum(r["id"].startswith("boiler") for r in removed) >= 0.75 * len(removed)
    stats = json.loads((loaded.output_dir / "stats" / "quality.json").read_text())
    assert stats["docs_in"] == 2 * N_PAGES and stats["docs_out"] == len(kept)
    assert stats["removed"] == {"quality:below_threshold": len(removed)}
    assert stats["per_language"]["eng_Latn"]["removed"] == {"quality:below_threshold": len(removed)}


def block(tmp_path: Path, **params) -> QualityBlock:
    loaded = load_config(make_config(tmp_path, params))
    return QualityBlock(QualityParams(**params), BuildContext(loaded, "quality", 0))


def test_check_finds_model_paths_relative_to_the_config(tmp_path):
    (tmp_path / "models").mkdir()
    shutil.copy(DEFAULT_MODEL, tmp_path / "models" / "mine.ftz")
    assert block(tmp_path, classifiers={"mine": "models/mine.ftz"}).check() == []


def test_check_names_the_missing_or_broken_model(tmp_path):
    (tmp_path / "broken.ftz").write_text("not a model")
    problems = block(
        tmp_path,
        classifiers={
            "gone": "nowhere/edu.ftz",
            "broken": "broken.ftz",
            "labels": {"path": str(DEFAULT_MODEL), "positive_label": "__label__edu"},
        },
    ).check()
    by_key = {p.key: p.message for p in problems}
    assert "nowhere/edu.ftz" in by_key["classifiers.gone"] and "not found" in by_key["classifiers.gone"]
    assert "broken.ftz" in by_key["classifiers.broken"]
    assert "__label__hq" in by_key["classifiers.labels"]  # lists the labels the model has


def test_classifier_names_must_be_column_suffixes():
    with pytest.raises(ValidationError, match="column names"):
        QualityParams(classifiers={"Edu-Score": "m.ftz"})
    with pytest.raises(ValidationError):
        QualityParams(keep_top_fraction=1.5)
