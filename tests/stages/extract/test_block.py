"""The extract block on real WARC pages: engines, removed pages written with reasons, config checks."""

from pathlib import Path

import pyarrow.parquet as pq
import pydantic
import pytest
import yaml

from curator.config import load_config
from curator.core.readers import WarcDocReader
from curator.stages.base import BuildContext
from curator.stages.extract.block import ExtractBlock, ExtractParams
from tests.conftest import PROJECT_ROOT

DEMO_WARC = PROJECT_ROOT / "data" / "sample" / "demo-pages.warc.gz"


def make_block(tmp_path: Path, input_format: str = "warc", **params) -> ExtractBlock:
    cfg = {
        "name": "t",
        "input": {"format": input_format, "paths": [str(DEMO_WARC)]},
        "output": str(tmp_path / "out"),
        "executor": {"kind": "local", "tasks": 1, "workers": 1},
        "stages": [{"extract": params}],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return ExtractBlock(ExtractParams(**params), BuildContext(load_config(path), "extract", 0))


@pytest.fixture(scope="module")
def demo_docs():
    return list(WarcDocReader([str(DEMO_WARC)]).run())


def run_block(block: ExtractBlock, docs):
    (phase,) = block.phases()
    (step,) = phase.steps
    kept = list(step.run(iter([d.__class__(text=d.text, id=d.id, metadata=dict(d.metadata)) for d in docs])))
    return step, kept


@pytest.mark.parametrize("engine", ["fast", "hybrid", "resiliparse"])
def test_engines_turn_demo_pages_into_text(tmp_path, demo_docs, engine):
    step, kept = run_block(make_block(tmp_path, engine=engine), demo_docs)
    assert len(kept) >= 0.95 * len(demo_docs)
    assert sum("</a>" in d.text or "<p>" in d.text for d in kept) <= len(kept) // 20  # text, not markup
    assert sum(len(d.text) for d in kept) < 0.2 * sum(len(d.text) for d in demo_docs)
    assert all(d.metadata["url"] for d in kept)


def test_removed_pages_written_with_reason(tmp_path, demo_docs):
    limit = sorted(len(d.text.encode()) for d in demo_docs)[len(demo_docs) // 2]
    block = make_block(tmp_path, engine="fast", max_html_bytes=limit, write_removed=True)
    step, kept = run_block(block, demo_docs)
    removed = pq.read_table(tmp_path / "out" / "removed" / "extract" / "00000.parquet").to_pylist()
    assert len(kept) + len(removed) == len(demo_docs)
    assert step.stats["removed/extract:too_large"].total == len(removed) >= len(demo_docs) // 2 - 1
    assert {r["reason"] for r in removed} == {"extract:too_large"}
    html_by_id = {d.id: d.text for d in demo_docs}
    assert all(html_by_id[r["id"]].startswith(r["text"]) and len(r["text"]) <= 10_000 for r in removed)


def test_checks_and_params(tmp_path):
    assert make_block(tmp_path, engine="hybrid").check() == []
    problems = make_block(tmp_path, engine="fast", fast=True).check()
    assert [p.key for p in problems] == ["fast"]
    with pytest.raises(pydantic.ValidationError):
        ExtractParams(engine="boilerpipe")
    with pytest.raises(pydantic.ValidationError):
        ExtractParams(timeot=3)
    assert make_block(tmp_path, input_format="jsonl", engine="fast").phases() == []
