"""The demo's output is a Hugging Face dataset: OUTPUT/README.md's configs load each language and the
mix with `datasets` (offline), with exactly the rows stats/*.json and mix.json report; the data
folders hold only Parquet with one schema per language; the card is rewritten by `curator finalize`
and by a resumed run, keeping the license a user set."""

import json
import os
import re
import shutil

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml

# set before `datasets` is imported: it reads them once (no network at test time)
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

datasets = pytest.importorskip("datasets", reason="datasets is in the dev extra: pip install -e .[dev]")


def _card(output):
    text = (output / "README.md").read_text()
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    assert match, "the card starts with YAML front matter"
    return yaml.safe_load(match.group(1)), match.group(2)


def _stats(output, stage):
    return json.loads((output / "stats" / f"{stage}.json").read_text())


def _languages(folder):
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def test_data_folders_hold_only_parquet_with_one_schema(demo_run):
    assert (demo_run / "mix.json").is_file()
    for folder in ("data", "mix"):
        files = [p for p in (demo_run / folder).rglob("*") if p.is_file()]
        assert files and all(p.suffix == ".parquet" for p in files), folder
        dataset = ds.dataset(demo_run / folder, format="parquet")
        assert sorted(dataset.files) == sorted(str(p) for p in files)  # every shard is read
        assert dataset.count_rows() == sum(pq.read_metadata(p).num_rows for p in files)
        schemas = {str(pq.read_schema(p).remove_metadata()) for p in files}
        assert len(schemas) == 1, f"{folder}: shards disagree on the schema: {schemas}"
        assert "null" not in schemas.pop()
    final = _stats(demo_run, "quality")
    assert ds.dataset(demo_run / "data", format="parquet").count_rows() == final["docs_out"]
    mix = json.loads((demo_run / "mix.json").read_text())
    assert ds.dataset(demo_run / "mix", format="parquet").count_rows() == mix["totals"]["documents_in_mix"]
    # report.html reads mix.json from its new place
    assert "Language mix before and after rebalancing" in (demo_run / "report.html").read_text()


def test_card_front_matter_has_a_config_per_language_and_the_mix(demo_run):
    meta, body = _card(demo_run)
    languages = _languages(demo_run / "data")
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert list(configs) == [*languages, "mix"]
    assert configs["deu_Latn"]["data_files"] == [{"split": "train", "path": "data/deu_Latn/*.parquet"}]
    assert [c for c in configs if configs[c].get("default")] == ["mix"]
    assert meta["pretty_name"] == "demo"
    assert meta["license"] == "other"
    assert "commoncrawl.org/terms-of-use" in (demo_run / "README.md").read_text().split("---")[1]
    assert "deu" in meta["language"] and "und" not in meta["language"]
    assert meta["size_categories"] == ["n<1K"]  # 94 documents
    # the body's numbers are the stats' numbers
    final = _stats(demo_run, "quality")["per_language"]["deu_Latn"]
    mix = json.loads((demo_run / "mix.json").read_text())["languages"]["deu_Latn"]
    row = re.search(r"^\| deu_Latn \| (.*) \|$", body, re.M).group(1).split(" | ")
    assert row[:3] == [
        f"{final['docs_out']:,}",
        f"{final['chars_out']:,}",
        f"{round(final['chars_out'] / 4):,}",
    ]
    assert row[3:5] == [f"{mix['documents_in_mix']:,}", f"{mix['share']:.2%}"]
    filters = _stats(demo_run, "filters")
    top_reason, top_count = max(filters["removed"].items(), key=lambda kv: (kv[1], kv[0]))
    assert f"| {top_reason} | {top_count:,} |" in body.split("### filters")[1]
    assert "CC-MAIN-2020-34" in body  # the dump named by the sample's file name
    assert "| datatrove |" in body
    assert "mixing.mode: temperature" in body  # a setting the demo config changed
    assert f'load_dataset("{demo_run}", name="mix", split="train")' in body


def test_load_dataset_per_language_and_mix(demo_run, tmp_path):
    cache = str(tmp_path / "hf-cache")
    final = _stats(demo_run, "quality")["per_language"]
    columns = pq.read_schema(next((demo_run / "data").rglob("*.parquet"))).names
    for lang in _languages(demo_run / "data"):
        loaded = datasets.load_dataset(str(demo_run), name=lang, split="train", cache_dir=cache)
        assert loaded.num_rows == final[lang]["docs_out"], lang
        assert loaded.column_names == columns
        assert set(loaded["language"]) == {lang}
    mix = datasets.load_dataset(str(demo_run), name="mix", split="train", cache_dir=cache)
    mix_json = json.loads((demo_run / "mix.json").read_text())
    assert mix.num_rows == mix_json["totals"]["documents_in_mix"] == _stats(demo_run, "rebalance")["docs_out"]
    assert mix.column_names == [*columns, "repetitions"]
    assert min(mix["repetitions"]) >= 1
    # the default config is the mix
    default = datasets.load_dataset(str(demo_run), split="train", cache_dir=cache)
    assert default.num_rows == mix.num_rows


def test_finalize_and_resume_rewrite_the_card_keeping_the_license(demo_run, tmp_path):
    from curator.config import load_config
    from curator.core.paths import RunLayout
    from curator.exec.run import finalize, run
    from tests.conftest import PROJECT_ROOT

    out = tmp_path / "run"
    shutil.copytree(demo_run, out)
    card = out / "README.md"
    card.write_text(card.read_text().replace("license: other", "license: odc-by"))
    finalize(RunLayout(out))  # what `curator finalize` runs after a Slurm run
    meta, body = _card(out)
    assert meta["license"] == "odc-by" and "`odc-by`, as set in this card" in body
    assert "# license: set yours" not in card.read_text()
    card.unlink()
    run(load_config(PROJECT_ROOT / "configs" / "demo.yaml", [f"output={out}"]))  # resume: every task done
    meta, _ = _card(out)
    assert [c["config_name"] for c in meta["configs"]][-1] == "mix"
    assert meta["license"] == "other"  # the card was deleted: nothing to keep
