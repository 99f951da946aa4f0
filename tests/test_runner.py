"""End to end on real WARC records: every HTML response becomes a document or a counted removal."""

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import yaml
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from curator.cli import main
from curator.config import load_config
from curator.core.errors import CuratorError
from curator.exec.run import run

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def html_responses(path: Path) -> set[str]:
    """Record ids of HTTP 200 text/html responses, read with warcio (independent of curator's reader)."""
    ids = set()
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
            status = record.http_headers.get_statuscode()
            if status == "200" and ctype.startswith("text/html"):
                ids.add(record.rec_headers.get_header("WARC-Record-ID"))
    return ids


def make_config(tmp_path, stages, tasks=2, paths=None, **extra) -> Path:
    cfg = {
        "name": "t",
        "input": {"format": "warc", "paths": paths or [str(SAMPLE / "*.warc.gz")]},
        "output": str(tmp_path / "out"),
        "executor": {"tasks": tasks, "workers": 2},
        "stages": stages,
        "report": False,
        **extra,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def final_table(out: Path):
    return ds.dataset(out / "data", format="parquet").to_table()


def test_extract_run_accounts_for_every_html_response(tmp_path):
    expected = set()
    for f in SAMPLE.glob("*.warc.gz"):
        expected |= html_responses(f)
    assert len(expected) > 100
    loaded = load_config(make_config(tmp_path, [{"extract": {"engine": "trafilatura"}}]))
    record = run(loaded)
    out = loaded.output_dir
    table = final_table(out)
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids))
    extract = json.loads((out / "stats" / "extract.json").read_text())
    removed = sum(extract["removed"].values())
    assert extract["docs_in"] == len(expected)
    assert len(ids) == extract["docs_out"] == len(expected) - removed
    assert set(ids) <= expected
    # columns and real text
    assert table.column_names[:6] == ["id", "text", "url", "date", "dump", "source_file"]
    row = table.filter(ds.field("url") == "http://lid-dev.example/deu/1.html").to_pylist()[0]
    assert "<p>" not in row["text"] and len(row["text"]) > 200
    dumps = set(table.column("dump").to_pylist())
    assert "CC-MAIN-2020-34" in dumps
    assert record["status"] == "done" and (out / "run.json").is_file()
    # wall and CPU seconds of every job, its task workers included
    assert set(record["job_seconds"]) == {job["name"] for job in record["jobs"]}
    assert all(t["cpu"] > 0 and t["wall"] > 0 for t in record["job_seconds"].values())


def test_resume_skips_finished_tasks_and_rewrites_lost_ones(tmp_path):
    path = make_config(tmp_path, [{"extract": {"engine": "resiliparse"}}], tasks=2)
    loaded = load_config(path)
    run(loaded)
    out = loaded.output_dir
    first = sorted(final_table(out).column("id").to_pylist())
    # simulate a task killed before it finished: its marker and outputs are gone
    logs = next((out / "logs").iterdir())
    (logs / "completions" / "00001").unlink()
    for f in (out / "data").rglob("00001.parquet"):
        f.unlink()
    run(load_config(path))
    assert sorted(final_table(out).column("id").to_pylist()) == first


def test_refuses_output_of_a_different_config(tmp_path):
    run(load_config(make_config(tmp_path, [{"extract": {"engine": "resiliparse"}}], tasks=1)))
    other = make_config(tmp_path, [{"extract": {"engine": "resiliparse"}}], tasks=2)
    with pytest.raises(CuratorError, match="different config"):
        run(load_config(other))
    run(load_config(other), fresh=True)  # --fresh starts over


def test_cli_run_unwritable_output_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = make_config(tmp_path, [{"extract": {}}], output=str(blocker / "out"))
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: output: ")


def test_plan_lists_jobs(tmp_path):
    result = CliRunner().invoke(main, ["plan", str(make_config(tmp_path, [{"extract": {}}]))])
    assert result.exit_code == 0, result.output
    assert "01-extract  [documents, 2 tasks]" in result.output


def test_workers_fork_from_a_prepared_process():
    """Before a job's workers fork: the steps' preload runs (unless the job is done), then the GC
    is frozen for the job, so workers inherit the imports and leave the inherited objects alone."""
    import gc

    from curator.exec.local import shared_with_workers

    class Step:
        preloads = 0

        def preload(self):
            Step.preloads += 1

    before = gc.get_freeze_count()
    with shared_with_workers([Step(), object()]):
        assert gc.get_freeze_count() > before and Step.preloads == 1
    with shared_with_workers([Step()], preload=False):  # a resumed job with every task done
        pass
    assert gc.get_freeze_count() == before and Step.preloads == 1
