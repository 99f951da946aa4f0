"""Hostile Parquet/JSONL rows through the real CLI: nothing is written outside the run's folder,
every row is accounted for, and the run finishes (issue: untrusted input never escapes the output)."""

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.cli import main
from curator.core.names import is_language_label
from tests.conftest import shared_data


def texts(n: int) -> list[str]:
    """n real German paragraphs of 15 sentences each (lid-dev: Leipzig corpora sentences)."""
    lines = shared_data("lid-dev/deu.txt").read_text(encoding="utf-8").splitlines()
    return [" ".join(lines[i * 15 : (i + 1) * 15]) for i in range(n)]


def hostile_labels(root: Path) -> list:
    return [
        "../../../escaped",  # from OUTPUT/data/: three levels up is the test's root
        str(root / "absolute"),  # Path("data") / "/abs" is "/abs"
        "deu/Latn",  # would split lang/<label>/... stat keys
        "x" * 300,  # OSError: File name too long, in the profile lookup
        "deu_Latn\x00",
        "\u202edeu_Latn",  # right-to-left override
        "../lang_profiles/default",
        "..",
    ]


def run_cli(root: Path, fmt: str, stages: list) -> tuple[int, str, Path]:
    out = root / "out"
    cfg = {
        "name": "hostile",
        "input": {"format": fmt, "paths": [f"in/*.{fmt}"]},
        "output": str(out),
        "executor": {"tasks": 2, "workers": 1},
        "stages": stages,
        "report": False,
    }
    (root / "config.yaml").write_text(yaml.safe_dump(cfg))
    result = CliRunner().invoke(main, ["run", str(root / "config.yaml")], catch_exceptions=False)
    return result.exit_code, result.output, out


def files_outside(root: Path, out: Path) -> list[Path]:
    allowed = {root / "config.yaml"}
    found = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if out in path.parents or path in allowed or (root / "in") in path.parents:
                continue
            found.append(path)
    return found


def stats(out: Path, stage: str) -> dict:
    return json.loads((out / "stats" / f"{stage}.json").read_text())


def check_accounting(out: Path, stages: list[str], rows: int) -> None:
    """read: docs_out + skipped = rows; every stage: docs_in = docs_out + removed; data = last docs_out."""
    read = stats(out, "read")
    assert read["docs_out"] + sum(read["skipped"].values()) == rows
    docs = read["docs_out"]
    for stage in stages:
        st = stats(out, stage)
        assert st["docs_in"] == docs, stage
        assert st["docs_out"] + sum(st["removed"].values()) == docs, stage
        assert all(is_language_label(lang) for lang in st["per_language"]), st["per_language"].keys()
        docs = st["docs_out"]
    data = out / "data"  # absent when no document is kept (hypothesis found such inputs)
    written = (
        sum(pq.ParquetFile(p).metadata.num_rows for p in data.rglob("*.parquet")) if data.is_dir() else 0
    )
    assert written == docs
    assert not data.is_dir() or all(is_language_label(d.name) for d in data.iterdir())


def test_hostile_parquet_labels_stay_inside_and_are_counted(tmp_path):
    root = tmp_path / "root"
    (root / "in").mkdir(parents=True)
    labels = hostile_labels(root)
    body = texts(len(labels) + 6)
    rows = [{"id": f"bad-{i}", "text": body[i], "language": label} for i, label in enumerate(labels)]
    rows += [
        {"id": "good", "text": body[-6], "language": "deu_Latn"},
        {"id": "none", "text": body[-5], "language": None},
        {"id": "x" * 10_000, "text": body[-4], "language": "deu_Latn"},  # 10 kB id
        {"id": "good", "text": body[-3], "language": "deu_Latn"},  # duplicated id
        {"id": "null-text", "text": None, "language": "deu_Latn"},
        {"id": None, "text": body[-2], "language": "deu_Latn"},  # missing id
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "in" / "hostile.parquet")

    code, output, out = run_cli(root, "parquet", [{"filters": {}}, {"dedup": {}}])

    assert code == 0, output
    assert files_outside(root, out) == []
    assert not (root / "escaped").exists() and not (root / "absolute").exists()
    check_accounting(out, ["filters", "dedup"], len(rows))
    read = stats(out, "read")
    assert read["metrics"]["invalid_language"] == len(labels)
    assert read["skipped"] == {"no_text_field": 1}
    kept = [r for p in sorted((out / "data").rglob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    removed = [r for p in sorted((out / "removed").rglob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    relabelled = {r["id"]: r for r in kept + removed if r.get("language_in")}
    assert {r["language_in"] for r in relabelled.values()} == {str(x) for x in labels}
    assert {r["language"] for r in relabelled.values()} == {"und"}


def test_a_300_character_jsonl_label_does_not_stop_the_job(tmp_path):
    root = tmp_path / "root"
    (root / "in").mkdir(parents=True)
    body = texts(4)
    lines = [
        json.dumps({"id": "long", "text": body[0], "language": "y" * 300}),
        json.dumps({"id": "escape", "text": body[1], "language": "../../../escaped"}),
        json.dumps({"id": "ok", "text": body[2], "language": "deu_Latn"}),
        json.dumps({"id": "numeric-label", "text": body[3], "language": 7}),
        json.dumps({"id": "numeric-text", "text": 5, "language": "deu_Latn"}),
        json.dumps({"id": "list-text", "text": ["a"], "language": "deu_Latn"}),
        "{not json",
    ]
    (root / "in" / "hostile.jsonl").write_text("\n".join(lines) + "\n")

    code, output, out = run_cli(root, "jsonl", [{"lid": {}}, {"filters": {}}])

    assert code == 0, output
    assert files_outside(root, out) == []
    check_accounting(out, ["lid", "filters"], len(lines))
    read = stats(out, "read")
    assert read["metrics"]["invalid_language"] == 3
    assert read["skipped"] == {"no_text_field": 2, "bad_json_line": 1}
    # lid follows: the relabelled documents were identified afresh (German), not left as und
    lid = stats(out, "lid")
    assert set(lid["per_language"]) <= {"deu_Latn", "und"} and lid["docs_out"] >= 1
    kept = {r["id"]: r for p in (out / "data").rglob("*.parquet") for r in pq.read_table(p).to_pylist()}
    for doc_id in set(kept) & {"long", "escape", "numeric-label"}:
        assert kept[doc_id]["language"] == "deu_Latn" and kept[doc_id]["language_in"]


@pytest.mark.parametrize("name", ["../up", "a/b", "/abs", ""])
def test_a_stage_or_run_name_that_is_not_a_folder_name_is_a_config_error(tmp_path, name):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text('{"text": "x"}\n')
    cfg = {
        "name": name,
        "input": {"format": "jsonl", "paths": ["in/*.jsonl"]},
        "output": "out",
        "stages": [{"filters": {}}],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "config.yaml")])
    assert result.exit_code == 2 and "name" in result.output


HOSTILE_LABEL = st.one_of(
    st.sampled_from(["deu_Latn", "und", None, "", "..", "../../../escaped", "deu/Latn", "\u202edeu_Latn"]),
    st.text(min_size=0, max_size=300),  # any unicode, NUL and separators included
    st.integers(),
)
HOSTILE_ID = st.one_of(
    st.none(), st.sampled_from(["same", "same"]), st.text(max_size=50), st.just("i" * 10_000)
)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_hostile_jsonl_rows_stay_inside_and_add_up(tmp_path_factory, data):
    """Property: whatever the labels, ids and text types, the run finishes, writes nothing outside its
    folder, and every row is kept, removed or skipped with a reason."""
    root = tmp_path_factory.mktemp("prop") / "root"
    (root / "in").mkdir(parents=True)
    body = texts(12)
    n = data.draw(st.integers(min_value=1, max_value=12), label="rows")
    rows = []
    for i in range(n):
        text = data.draw(st.one_of(st.just(body[i]), st.none(), st.integers(), st.lists(st.text(max_size=5))))
        rows.append({"id": data.draw(HOSTILE_ID), "text": text, "language": data.draw(HOSTILE_LABEL)})
    with open(root / "in" / "rows.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")

    code, output, out = run_cli(root, "jsonl", [{"filters": {}}, {"dedup": {}}])

    assert code == 0, output
    assert files_outside(root, out) == []
    check_accounting(out, ["filters", "dedup"], len(rows))
