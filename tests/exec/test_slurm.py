"""The Slurm executor: job shapes from the config (no Slurm needed), and the demo on a real Slurm
(scripts/slurm-local.sh): same documents as the local run, and a cancelled run completed by resubmitting."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from curator.config import load_config
from curator.config.schema import SlurmConfig
from curator.core.paths import RunLayout
from curator.core.stats import completed_tasks
from curator.exec import slurm as slurm_executor
from curator.exec.slurm import (
    ACTIVE_STATES,
    SUBMISSIONS_FILE,
    QueueEntry,
    check_overrides,
    job_shape,
    read_queue,
    slurm_state,
)
from curator.graph import Job

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO = PROJECT_ROOT / "configs" / "demo.yaml"
CURATOR = Path(sys.executable).parent / "curator"
TASKS = 2
FIRST_STAGE = load_config(DEMO).config.stages[0].name
DEDUP_INDEX = [s.name for s in load_config(DEMO).config.stages].index("dedup")
WAIT_S = 300


# --- job shapes (no Slurm needed) ---------------------------------------------------------------


def _jobs() -> list[Job]:
    return [
        Job("01-extract-lid", "documents", 4, ["extract", "lid"]),
        Job("02-dedup-buckets", "global", 4, ["dedup"]),
        Job("03-dedup-cluster", "global", 1, ["dedup"]),
    ]


def test_overrides_apply_by_stage_then_unnumbered_then_full_job_name():
    slurm = SlurmConfig.model_validate(
        {
            "time": "01:00:00",
            "mem_per_cpu_gb": 2,
            "stages": {
                "dedup": {"mem_per_cpu_gb": 4, "time": "02:00:00"},
                "dedup-cluster": {"mem_per_cpu_gb": 16},
                "03-dedup-cluster": {"cpus_per_task": 2},
            },
        }
    )
    extract, buckets, cluster = (job_shape(slurm, j.name, j.stages) for j in _jobs())
    assert (extract.mem_per_cpu_gb, extract.time, extract.cpus_per_task) == (2, "01:00:00", 1)
    assert (buckets.mem_per_cpu_gb, buckets.time) == (4, "02:00:00")
    assert (cluster.mem_per_cpu_gb, cluster.time, cluster.cpus_per_task) == (16, "02:00:00", 2)
    assert check_overrides(slurm, _jobs()) == []


def test_override_naming_no_job_is_an_error_listing_the_jobs():
    slurm = SlurmConfig.model_validate({"stages": {"dedupe": {"time": "1:00:00"}}})
    (problem,) = check_overrides(slurm, _jobs())
    assert problem.startswith("executor.slurm.stages.dedupe: no job or stage")
    assert "03-dedup-cluster" in problem


def test_override_changing_a_jobs_task_count_is_an_error():
    slurm = SlurmConfig.model_validate({"stages": {"extract": {"tasks": 8}, "dedup-cluster": {"tasks": 1}}})
    (problem,) = check_overrides(slurm, _jobs())
    assert problem.startswith("executor.slurm.stages.extract.tasks: job 01-extract-lid has 4 tasks")


def test_state_maps_split_arrays_of_several_tasks_back_to_task_numbers(tmp_path, monkeypatch):
    """Job 01-x: 8 tasks; 4 done before this submission; the other 6 submitted as two arrays
    (max_array_size 2) of array tasks running 2 tasks each: 10_0 -> 0,1  10_1 -> 2,3  11_0 -> 5,6."""
    logs = tmp_path / "logs"
    (tmp_path / "run.json").write_text(
        json.dumps({"jobs": [{"name": "01-x", "tasks": 8}], "status": "submitted"})
    )
    submission = {
        "jobs": {
            "01-x": {
                "ids": ["10", "11"],
                "tasks": 8,
                "submitted_tasks": 6,
                "max_array_size": 2,
                "tasks_per_job": 2,
            }
        },
        "finalize": "12",
    }
    (logs / "01-x" / "completions").mkdir(parents=True)
    (logs / SUBMISSIONS_FILE).write_text(json.dumps([submission]))
    (logs / "01-x" / "ranks_to_run.json").write_text(json.dumps([0, 1, 2, 3, 5, 6]))
    for rank in (0, 4, 5):
        (logs / "01-x" / "completions" / f"{rank:05d}").touch()
    (logs / "01-x" / "slurm_logs").mkdir()
    (logs / "01-x" / "slurm_logs" / "10_0.out").touch()  # started: task 1 ended without completing
    queue = [
        QueueEntry("10", 1, "RUNNING", "None"),
        QueueEntry("11", 0, "PENDING", "Priority"),
        QueueEntry("12", None, "PENDING", "DependencyNeverSatisfied"),
    ]
    monkeypatch.setattr(slurm_executor, "read_queue", lambda ids: queue)

    state = slurm_state(tmp_path)

    # 7: never submitted, not done
    assert state["01-x"] == {"done": 3, "running": 2, "pending": 1, "failed": 1, "not_run": 1}
    assert state["finalize"] == {"done": 0, "running": 0, "pending": 0, "failed": 0, "not_run": 1}


# --- the demo on Slurm ----------------------------------------------------------------------------


def curator(*args: str) -> str:
    done = subprocess.run([str(CURATOR), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"curator {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def run_args(config: Path, output: Path, *extra: str) -> list[str]:
    return [
        "run",
        str(config),
        "--no-progress",
        "--set",
        f"output={output}",
        "--set",
        f"executor.tasks={TASKS}",
        *extra,
    ]


def on_slurm(config: Path, output: Path, *extra: str) -> list[str]:
    """The demo on Slurm. Each array task starts Python and loads curator (seconds here): all jobs but the
    first run all their tasks in one array task; the first has one array task per task."""
    return run_args(
        config,
        output,
        "--executor",
        "slurm",
        "--set",
        "executor.slurm.mem_per_cpu_gb=1",
        "--set",
        "executor.slurm.time=00:20:00",
        "--set",
        "executor.slurm.tasks_per_job=100",
        "--set",
        f"executor.slurm.stages.{FIRST_STAGE}.tasks_per_job=1",
        *extra,
    )


def documents(output: Path) -> pa.Table:
    files = sorted((output / "data").glob("**/[!.]*.parquet"))
    assert files, f"no documents in {output / 'data'}"
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default").sort_by("id")


def stage_stats(output: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((output / "stats").glob("*.json"))}


def submissions(output: Path) -> list[dict]:
    return json.loads((RunLayout(output).root / "logs" / SUBMISSIONS_FILE).read_text())


def slurm_logs_tail(output: Path) -> str:
    tails = [
        f"--- {p}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-15:])
        for p in sorted((output / "logs").glob("*/slurm_logs/*.out"))
        + sorted((output / "logs").glob("finalize/*.out"))
    ]
    return "\n".join(tails[-6:])


def wait_until_settled(output: Path) -> dict[str, dict[str, int]]:
    """Poll completion markers and squeue until nothing of the run is queued or running."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        states = slurm_state(output)
        if not any(s["running"] or s["pending"] for s in states.values()):
            return states
        time.sleep(0.5)
    pytest.fail(f"the run in {output} did not finish within {WAIT_S} s: {states}\n{slurm_logs_tail(output)}")


def assert_same_run(slurm_output: Path, local_output: Path) -> None:
    states = wait_until_settled(slurm_output)
    unfinished = {name: s for name, s in states.items() if s["done"] != sum(s.values())}
    assert not unfinished, f"unfinished jobs: {unfinished}\n{slurm_logs_tail(slurm_output)}"
    slurm_docs, local_docs = documents(slurm_output), documents(local_output)
    assert slurm_docs.column_names == local_docs.column_names
    assert slurm_docs.column("id").to_pylist() == local_docs.column("id").to_pylist()
    assert slurm_docs.equals(local_docs)
    slurm_stats, local_stats = stage_stats(slurm_output), stage_stats(local_output)
    assert slurm_stats.keys() == local_stats.keys()
    for stage, stats in local_stats.items():
        assert (slurm_stats[stage]["docs_in"], slurm_stats[stage]["docs_out"]) == (
            stats["docs_in"],
            stats["docs_out"],
        )
        tasks = slurm_stats[stage]["tasks"]
        if stage == "dedup" and len(slurm_stats[stage]["jobs"]) != len(stats["jobs"]):
            assert tasks["done"] == tasks["total"]  # sharded clusters: other jobs, same documents
        else:
            assert tasks["done"] == stats["tasks"]["done"]


@pytest.mark.slurm
def test_demo_on_slurm_writes_the_same_documents_as_the_local_run(slurm_cluster, tmp_path):
    local, output = tmp_path / "local", tmp_path / "slurm"
    # one array task per array: the first job is split in two arrays, both of which the next job waits for.
    # The clusters phase sharded over 2 tasks and 1 round (5 chained arrays of 2 tasks) against the
    # local run's single task: the same documents.
    sharded = [
        "--set",
        f"stages[{DEDUP_INDEX}].dedup.cluster_tasks=2",
        "--set",
        f"stages[{DEDUP_INDEX}].dedup.cluster_rounds=1",
    ]
    printed = curator(*on_slurm(DEMO, output, "--set", "executor.slurm.max_array_size=1", *sharded))
    curator(*run_args(DEMO, local, "--executor", "local"))  # while the Slurm jobs run
    (submission,) = submissions(output)
    first, *others = submission["jobs"].values()
    assert len(first["ids"]) == TASKS and first["submitted_tasks"] == TASKS
    clusters = [name for name in submission["jobs"] if "dedup-clusters" in name]
    assert [name.split("-", 1)[1] for name in clusters] == [
        "dedup-clusters",
        "dedup-clusters-round1",
        "dedup-clusters-finish",
        "dedup-clusters-labels",
        "dedup-clusters-decide",
    ]
    assert all(submission["jobs"][name]["tasks"] == 2 for name in clusters)
    assert all(len(job["ids"]) == 1 and job["submitted_tasks"] == job["tasks"] for job in others)
    for job in submission["jobs"].values():
        assert f"job {','.join(job['ids'])}" in printed
    assert f"curator status {output}" in printed
    assert_same_run(output, local)
    assert json.loads((output / "run.json").read_text())["status"] == "done"


@pytest.fixture
def first_stage_config(tmp_path) -> Path:
    """The demo cut to its first stage (one job), so that the cancel test is quick."""
    raw = yaml.safe_load(DEMO.read_text())
    raw["stages"] = raw["stages"][:1]
    raw["input"]["paths"] = [str((DEMO.parent / p).resolve()) for p in raw["input"]["paths"]]
    path = tmp_path / "first-stage.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.slurm
def test_cancelled_run_resubmits_only_unfinished_tasks_and_completes(
    slurm_cluster, first_stage_config, tmp_path
):
    local, output = tmp_path / "local", tmp_path / "slurm"
    # the tasks run one at a time, so cancelling after the first one leaves work undone
    args = on_slurm(
        first_stage_config, output, "--set", f"executor.slurm.stages.{FIRST_STAGE}.max_running_tasks=1"
    )
    curator(*args)
    (submission,) = submissions(output)
    first_job = next(iter(submission["jobs"]))
    all_ids = [i for job in submission["jobs"].values() for i in job["ids"]] + [submission["finalize"]]
    deadline = time.monotonic() + WAIT_S
    while not completed_tasks(RunLayout(output).logs(first_job)):
        assert time.monotonic() < deadline, (
            f"no task of {first_job} finished in {WAIT_S} s\n{slurm_logs_tail(output)}"
        )
        time.sleep(0.2)
    subprocess.run(["scancel", *all_ids], check=True)
    while any(e.state in ACTIVE_STATES for e in read_queue(all_ids)):
        assert time.monotonic() < deadline, "cancelled jobs still in the queue"
        time.sleep(0.2)

    cancelled = slurm_state(output)
    first = cancelled[first_job]
    assert 1 <= first["done"] < TASKS, first
    assert first["failed"] + first["not_run"] == TASKS - first["done"], first
    assert first["failed"] <= 1, first  # the one task running when cancelled; the rest never started
    assert cancelled["finalize"] == {"done": 0, "running": 0, "pending": 0, "failed": 0, "not_run": 1}

    curator(*args)
    resubmitted = submissions(output)[-1]["jobs"][first_job]
    assert resubmitted["submitted_tasks"] == TASKS - first["done"]
    curator(*run_args(first_stage_config, local, "--executor", "local"))  # while the Slurm jobs run
    assert_same_run(output, local)


# --- remote input (and output) on Slurm -------------------------------------------------------------


def remote_config(folder: Path, name: str, paths: list[str], extra: dict | None = None) -> Path:
    cfg = {
        "name": "remote",
        "input": {"format": "warc", "paths": paths, "network": {"attempts": 4, "backoff_s": 0.05}},
        "output": str(folder / name),
        "executor": {"tasks": TASKS, "workers": 2},
        "report": False,
        "stages": [{"extract": {"engine": "fast"}}, {"lid": {"engine": "fasttext"}}],
        **(extra or {}),
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="module")
def cc_files() -> dict[str, Path]:
    from tests.cc_server import cc_tree
    from tests.conftest import shared_data

    return cc_tree(shared_data("."))


def assert_same_documents(slurm_output: Path, local_output: Path) -> None:
    """Like assert_same_run, `source_file` aside (a URL on one side, a local path on the other)."""
    states = wait_until_settled(slurm_output)
    unfinished = {name: s for name, s in states.items() if s["done"] != sum(s.values())}
    assert not unfinished, f"unfinished jobs: {unfinished}\n{slurm_logs_tail(slurm_output)}"
    slurm_docs, local_docs = (
        documents(o).drop_columns(["source_file"]) for o in (slurm_output, local_output)
    )
    assert slurm_docs.equals(local_docs)
    slurm_stats, local_stats = stage_stats(slurm_output), stage_stats(local_output)
    assert {k: (v["docs_in"], v["docs_out"]) for k, v in slurm_stats.items()} == {
        k: (v["docs_in"], v["docs_out"]) for k, v in local_stats.items()
    }


@pytest.mark.slurm
def test_http_input_on_slurm_gives_the_local_documents(slurm_cluster, cc_files, tmp_path):
    """The array tasks read the WARCs from the loopback HTTP server (same machine), through the same
    streaming reader and retries as the local executor: the same documents and stats."""
    from tests.cc_server import CCServer

    local = tmp_path / "local"
    curator(
        "run", str(remote_config(tmp_path, "local", [str(p) for p in cc_files.values()])), "--no-progress"
    )
    with CCServer(cc_files) as server:
        urls = [server.url + p for p in sorted(cc_files)]
        config = remote_config(tmp_path, "slurm", urls)
        curator("run", str(config), "--no-progress", "--executor", "slurm", *SLURM_SHAPE)
        assert_same_documents(tmp_path / "slurm", local)
    record = json.loads((tmp_path / "slurm" / "run.json").read_text())
    assert record["status"] == "done" and [i["path"] for i in record["inputs"]] == urls


@pytest.mark.slurm
def test_http_input_to_s3_output_on_slurm(slurm_cluster, cc_files, s3_server, tmp_path):
    """Slurm tasks upload their outputs and markers, and the finalize job (`curator finalize STAGING`)
    the side files and run.json last, credentials from the environment."""
    import pyarrow.dataset as ds
    import s3fs

    from tests.cc_server import CCServer

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_server}, skip_instance_cache=True)
    fs.makedirs("slurm-runs", exist_ok=True)
    local = tmp_path / "local"
    curator(
        "run", str(remote_config(tmp_path, "local", [str(p) for p in cc_files.values()])), "--no-progress"
    )
    staging = tmp_path / "staging"
    store = {
        "output_store": {
            "storage_options": {"client_kwargs": {"endpoint_url": s3_server}},
            "staging": str(staging),
        }
    }
    with CCServer(cc_files) as server:
        config = remote_config(tmp_path, "s3", [server.url + p for p in sorted(cc_files)], store)
        raw = yaml.safe_load(config.read_text())
        raw["output"] = "s3://slurm-runs/run"
        config.write_text(yaml.safe_dump(raw))
        curator("run", str(config), "--no-progress", "--executor", "slurm", *SLURM_SHAPE)
        assert_same_documents(staging, local)
    # the finalize job marks the working copy done, then uploads the side files and run.json last
    deadline = time.monotonic() + 60
    while json.loads(fs.cat_file("slurm-runs/run/run.json"))["status"] != "done":
        assert time.monotonic() < deadline, "the store's run.json never said done"
        time.sleep(0.5)
        fs.invalidate_cache()
    stored = ds.dataset("slurm-runs/run/data", format="parquet", filesystem=fs).to_table().sort_by("id")
    assert stored.column("id").to_pylist() == documents(local).column("id").to_pylist()
    assert fs.exists("slurm-runs/run/stats/lid.json") and fs.exists("slurm-runs/run/README.md")


SLURM_SHAPE = ("--set", "executor.slurm.mem_per_cpu_gb=1", "--set", "executor.slurm.time=00:20:00")
