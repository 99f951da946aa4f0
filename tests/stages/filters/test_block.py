"""The filters block on real pages: formatters, URL and heuristic removals written with reasons, checks."""

from pathlib import Path

import pyarrow.parquet as pq
import yaml

from curator.config import load_config
from curator.stages.base import BuildContext
from curator.stages.filters.block import FiltersBlock, FiltersParams
from scripts.devtools.filter_samples import real_pages

REAL_PAGES = Path(__file__).resolve().parents[2] / "data" / "filters" / "real_pages.parquet"


def make_block(tmp_path: Path, **params) -> FiltersBlock:
    cfg = {
        "name": "t",
        "input": {"format": "jsonl", "paths": [str(tmp_path / "in.jsonl")]},
        "output": str(tmp_path / "out"),
        "executor": {"kind": "local", "tasks": 1, "workers": 1},
        "stages": [{"filters": params}],
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return FiltersBlock(FiltersParams(**params), BuildContext(load_config(path), "filters", 0))


def run_phase(block: FiltersBlock, docs):
    (phase,) = block.phases()
    data = iter(docs)
    for step in phase.steps:
        data = step.run(data, rank=0, world_size=1)
    return phase.steps, list(data)


def test_removes_with_reasons_counts_per_language_and_writes_removed(tmp_path):
    docs = real_pages(REAL_PAGES)[:300]
    docs[0].metadata["url"] = "https://pornhub.com/video"
    docs[1].text = docs[1].text + "\nWrite to jane.doe@example.com or 8.8.8.8"
    block = make_block(tmp_path, formatters={"pii": True})
    steps, kept = run_phase(block, docs)
    assert [type(s).__name__ for s in steps] == [
        "FTFYFormatter",
        "SymbolLinesFormatter",
        "PIIFormatter",
        "UrlFilter",
        "FusedHeuristicFilter",
    ]
    assert 150 < len(kept) < 290
    out = tmp_path / "out" / "removed" / "filters"
    url_removed = pq.read_table(out / "url-00000.parquet").to_pylist()
    assert [r["reason"] for r in url_removed] == ["url:domain"]
    removed = pq.read_table(out / "heuristics-00000.parquet").to_pylist()
    assert len(removed) == 299 - len(kept)
    families = {r["reason"].split(":")[0] for r in removed}
    assert families == {"gopher_repetition", "fineweb_quality", "gopher_quality"}
    heuristics = steps[-1]
    assert (
        sum(v.total for k, v in heuristics.stats.stats.items() if k.startswith("lang/deu_Latn/removed/")) > 0
    )
    assert "jane.doe@example.com" not in docs[1].text


def test_disable_and_overrides_change_decisions(tmp_path):
    docs = real_pages(REAL_PAGES)[:100]
    _, kept_default = run_phase(make_block(tmp_path / "a", url_filter=False), docs)
    _, kept_loose = run_phase(
        make_block(
            tmp_path / "b",
            url_filter=False,
            disable=["fineweb_quality"],
            overrides={"max_non_alpha_words_ratio": 0.5},
        ),
        docs,
    )
    _, kept_none = run_phase(
        make_block(
            tmp_path / "c",
            url_filter=False,
            disable=["gopher_repetition", "fineweb_quality", "gopher_quality"],
        ),
        docs,
    )
    assert len(kept_default) < len(kept_loose) < len(kept_none) == 100


def test_check_reports_unknown_rules_bad_values_and_profiles(tmp_path):
    block = make_block(tmp_path, disable=["dup_lines"], overrides={"min_doc_words": "many"})
    assert [p.key for p in block.check()] == ["disable"]  # values are checked once names are right
    block = make_block(tmp_path, overrides={"min_doc_words": "many"})
    assert [p.key for p in block.check()] == ["overrides"]
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "default.yaml").write_text("min_stop_words: null\n")
    (profiles / "xyz_Latn.yaml").write_text("min_stop_words: 2\ntokenizer: nope_Zzzz\n")
    messages = [p.message for p in make_block(tmp_path, profiles=str(profiles)).check()]
    assert len(messages) == 2 and all("xyz_Latn.yaml" in m for m in messages)
    assert make_block(tmp_path).check() == []
