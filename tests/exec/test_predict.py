"""`curator plan`'s predictions: from defaults (input size), from a pilot run (--from), the default
dedup `cluster_tasks` from the same prediction, and `validate`'s warning when a predicted peak
exceeds what the Slurm tasks request."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from curator.cli import main
from curator.config import load_config
from curator.core.estimates import GLOBAL_TASK_BASE_MB, MB
from curator.exec.predict import Pilot, memory_warnings, predict
from curator.exec.run import plan
from curator.stages.dedup import estimates as dedup
from tests.conftest import PROJECT_ROOT, SAMPLE_DIR


def write_config(folder: Path, inputs: list[str], stages=None, **executor) -> Path:
    config = {
        "name": "plan-test",
        "input": {"format": "warc", "paths": inputs},
        "output": str(folder / "out"),
        "executor": {"tasks": 4, **executor},
        "stages": stages or [{"extract": {}}, {"dedup": {}}, {"quality": {}}],
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def sparse_warc(folder: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk: plan and validate only look at sizes."""
    path = folder / "big.warc.gz"
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def by_job(predictions) -> dict:
    return {p.job.name.split("-", 1)[1]: p for p in predictions}


def test_cluster_tasks_for_is_the_fewest_that_fit():
    for pairs in (1e6, 3e7, 1e9, 7e9):
        n = dedup.cluster_tasks_for(pairs, 2048)
        assert dedup.cluster_memory_mb(pairs, n) <= 2048
        if n > 1:
            assert dedup.cluster_memory_mb(pairs, n - 1) > 2048
    assert dedup.cluster_tasks_for(1e6, 2048) == 1


def test_large_input_is_sharded_by_default_and_fits_the_requested_memory(tmp_path):
    """2 TB of WARC: ~3.4e7 documents reach dedup, ~1e8 assumed pairs: more than one 2 GB task holds."""
    big = sparse_warc(tmp_path, 2 * 10**12)
    loaded = load_config(write_config(tmp_path, [str(big)], kind="slurm"))
    files, jobs = plan(loaded)
    pages, predictions = predict(loaded, files, jobs)
    assert pages == pytest.approx(2e12 / 29_500)
    jobs_ = by_job(predictions)
    clusters = jobs_["dedup-clusters"]
    assert clusters.job.tasks > 1 and "dedup-clusters-decide" in jobs_
    pairs = dedup.PAIRS_PER_DOC * pages * 0.85  # docs reaching dedup: extract keeps 85% by default
    assert clusters.memory_mb == pytest.approx(
        GLOBAL_TASK_BASE_MB + dedup.SHARDED_BYTES_PER_PAIR * pairs / clusters.job.tasks / MB
    )
    assert clusters.memory_mb <= 2048
    # quality buckets hold every score in one task: ~5 GB here, more than 2 GB: validate warns
    assert jobs_["quality-buckets"].memory_mb > 2048
    warnings = memory_warnings(loaded, predictions)
    assert any("quality-buckets" in w for w in warnings)
    assert not any("dedup-clusters" in w for w in warnings)


def test_validate_warns_when_one_clusters_task_cannot_hold_the_pairs(tmp_path):
    big = sparse_warc(tmp_path, 2 * 10**12)
    config = write_config(tmp_path, [str(big)], stages=[{"dedup": {"cluster_tasks": 1}}], kind="slurm")
    result = CliRunner().invoke(main, ["validate", str(config)])
    assert result.exit_code == 0, result.output
    assert "warning: job 03-dedup-clusters: predicted peak" in result.output
    assert "raise dedup.cluster_tasks" in result.output
    ok = CliRunner().invoke(
        main, ["validate", str(config), "--set", "executor.slurm.stages.dedup-clusters.mem_per_cpu_gb=1000"]
    )
    assert ok.exit_code == 0 and "dedup-clusters" not in ok.output
    # the other jobs of 68 M documents in 4 tasks are warned about too: keys and buckets
    assert "warning: job 02-dedup-buckets" in ok.output and "raise dedup.bucket_splits" in ok.output


def test_plan_from_a_pilot_uses_its_measured_rates(demo_run, tmp_path):
    """The demo's own run as the pilot of twice its input: every count and CPU time doubles."""
    pilot = Pilot.load(demo_run)
    record = json.loads((demo_run / "run.json").read_text())
    copies = []
    for i in range(2):
        for f in sorted(SAMPLE_DIR.glob("*.warc.gz")):
            copy = tmp_path / f"{i}-{f.name}"
            shutil.copy(f, copy)
            copies.append(str(copy))
    demo = yaml.safe_load((PROJECT_ROOT / "configs" / "demo.yaml").read_text())
    loaded = load_config(write_config(tmp_path, copies, stages=demo["stages"], tasks=2))
    files, jobs = plan(loaded)
    pages, predictions = predict(loaded, files, jobs, pilot)
    read = json.loads((demo_run / "stats" / "read.json").read_text())["docs_out"]
    assert pages == pytest.approx(2 * read)
    jobs_ = by_job(predictions)
    cpu = {k.split("-", 1)[1]: v["cpu"] for k, v in record["job_seconds"].items()}
    for name, p in jobs_.items():
        assert p.cpu_s == pytest.approx(2 * cpu[name]), name
    quality_docs = json.loads((demo_run / "stats" / "quality.json").read_text())["docs_in"]
    from curator.stages.quality.estimates import BUCKETS_BYTES_PER_DOC, BUCKETS_BYTES_PER_SCORE

    per_doc = BUCKETS_BYTES_PER_DOC + BUCKETS_BYTES_PER_SCORE
    assert jobs_["quality-buckets"].memory_mb == pytest.approx(
        GLOBAL_TASK_BASE_MB + per_doc * 2 * quality_docs / MB
    )
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "config.yaml"), "--from", str(demo_run)])
    assert result.exit_code == 0, result.output
    assert f"rates of the pilot run {demo_run}" in result.output
    assert "05-quality-buckets" in result.output and "CPU-hours" in result.output


def test_plan_from_an_unfinished_run_names_the_problem(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"status": "running"}))
    config = write_config(tmp_path, [str(next(SAMPLE_DIR.glob("*.warc.gz")))])
    result = CliRunner().invoke(main, ["plan", str(config), "--from", str(tmp_path)])
    assert result.exit_code != 0
    assert "status is 'running'" in result.output
