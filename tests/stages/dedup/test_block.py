"""dedup end to end through the runner, on real article texts (scrapinghub gold bodies):
exact and near duplicates removed with the kept id, cluster sizes, languages never compared,
scope global vs per_dump, and resume of the multi-job stage."""

import json
import random
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import yaml

from curator.config import load_config
from curator.exec.run import run
from tests.conftest import shared_data

EARLY, LATE = "CC-MAIN-2024-10", "CC-MAIN-2024-22"


def article_texts(n: int) -> list[str]:
    truth = json.loads(shared_data("html-gold/scrapinghub/ground-truth.json").read_text())
    texts = [v["articleBody"] for v in truth.values() if len(v["articleBody"].split()) >= 250]
    assert len(texts) >= n
    return texts[:n]


def near_duplicate(text: str, seed: int) -> str:
    """Three words edited and a boilerplate paragraph appended."""
    rng = random.Random(seed)
    words = text.split(" ")
    for i in rng.sample(range(len(words)), 3):
        words[i] = "changed"
    return " ".join(words) + "\n\nSubscribe to our newsletter for more stories like this."


def doc(doc_id, text, language="eng_Latn", dump=EARLY):
    return {"id": doc_id, "text": text, "language": language, "dump": dump}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """a.jsonl (task 0): 24 originals. b.jsonl (task 1): their copies, each of a known kind."""
    folder = tmp_path_factory.mktemp("dedup-input")
    texts = article_texts(24)
    originals = [doc(f"orig-{i}", t) for i, t in enumerate(texts)]
    copies = (
        [doc(f"exact-{i}", "  " + texts[i].replace("\n", " \n\n "), dump=LATE) for i in range(0, 8)]
        + [doc(f"near-{i}", near_duplicate(texts[i], i)) for i in range(8, 16)]
        + [doc(f"german-{i}", texts[i], language="deu_Latn") for i in range(16, 20)]
        + [doc("short-1", "Home | Contact us"), doc("short-2", "Home  |  Contact us")]
    )
    for name, rows in (("a.jsonl", originals), ("b.jsonl", copies)):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def dedup_run(
    out: Path, paths: list[str], name: str | None = None, tasks: int | None = None, **params
) -> Path:
    """A dedup-only run over JSONL `paths` into `out` (one task per path unless `tasks`)."""
    config = {
        "name": name or out.name,
        "input": {"format": "jsonl", "paths": paths},
        "output": str(out),
        "executor": {"tasks": tasks or len(paths), "workers": 2},
        "stages": [{"dedup": params}],
        "report": False,
    }
    path = out.parent / f"{out.name}.yaml"
    path.write_text(yaml.safe_dump(config))
    run(load_config(path))
    return out


def run_dedup(inputs: Path, out: Path, **params):
    return dedup_run(out, [str(inputs / "*.jsonl")], name="dedup-test", tasks=2, **params)


def rows(folder: Path) -> dict[str, dict]:
    table = ds.dataset(folder, format="parquet").to_table()
    return {r["id"]: r for r in table.to_pylist()}


@pytest.fixture(scope="module")
def global_run(inputs, tmp_path_factory):
    return run_dedup(inputs, tmp_path_factory.mktemp("global") / "out")


def test_global_scope_removes_exact_and_near_duplicates_with_kept_id(global_run):
    kept, removed = rows(global_run / "data"), rows(global_run / "removed" / "dedup")
    expected = {f"exact-{i}": ("exact_duplicate", f"orig-{i}") for i in range(8)}
    expected |= {f"near-{i}": ("minhash_duplicate", f"orig-{i}") for i in range(8, 16)}
    expected["short-2"] = ("exact_duplicate", "short-1")
    assert {k: (r["reason"], r["duplicate_of"]) for k, r in removed.items()} == expected
    assert set(kept) == {f"orig-{i}" for i in range(24)} | {f"german-{i}" for i in range(16, 20)} | {
        "short-1"
    }
    sizes = {k: r["minhash_cluster_size"] for k, r in kept.items()}
    assert {k for k, s in sizes.items() if s == 2} == {f"orig-{i}" for i in range(16)} | {"short-1"}
    assert all(s in (1, 2) for s in sizes.values())
    stats = json.loads((global_run / "stats" / "dedup.json").read_text())
    assert stats["removed"] == {"exact_duplicate": 9, "minhash_duplicate": 8}
    assert stats["metrics"]["peak_rss_mb"] > 0


def test_languages_are_never_compared(global_run):
    kept = rows(global_run / "data")
    # the German-labelled copies have the very text of orig-16..19, and the originals stay unique
    assert all(kept[f"german-{i}"]["minhash_cluster_size"] == 1 for i in range(16, 20))
    assert all(kept[f"orig-{i}"]["minhash_cluster_size"] == 1 for i in range(16, 20))


def test_per_dump_scope_keeps_copies_from_another_dump(inputs, tmp_path):
    out = run_dedup(inputs, tmp_path / "out", scope="per_dump")
    kept, removed = rows(out / "data"), rows(out / "removed" / "dedup")
    assert {f"exact-{i}" for i in range(8)} <= set(kept)  # same text, but a later dump
    assert all(kept[f"orig-{i}"]["minhash_cluster_size"] == 1 for i in range(8))
    assert set(removed) == {f"near-{i}" for i in range(8, 16)} | {"short-2"}


def test_resume_after_killed_tasks_gives_identical_outputs(global_run, tmp_path):
    """A keys task killed before finishing, and the later dedup jobs never run: rerunning resumes
    and writes exactly what the uninterrupted run wrote."""
    out = tmp_path / "out"
    shutil.copytree(global_run, out)
    config = out.parent / "out.yaml"
    shutil.copy(global_run.parent / "out.yaml", config)
    config.write_text(config.read_text().replace(str(global_run), str(out)))
    stage = out / "stages" / "dedup"
    (out / "logs" / "01-dedup" / "completions" / "00001").unlink()
    for path in list((stage / "keys").rglob("00001.npy")) + [stage / "documents" / "00001.parquet"]:
        path.unlink()
    (stage / "keys" / "exact" / ".00001.npy.999.tmp").write_bytes(b"partial")  # left by the kill
    for job in ("02-dedup-buckets", "03-dedup-clusters", "04-dedup"):
        shutil.rmtree(out / "logs" / job)
    for folder in (stage / "matches", stage / "decisions", out / "data", out / "removed"):
        shutil.rmtree(folder)
    run(load_config(config))
    assert rows(out / "data") == {k: {**r} for k, r in rows(global_run / "data").items()}
    assert rows(out / "removed" / "dedup") == rows(global_run / "removed" / "dedup")


def sharded(out: Path) -> dict:
    """What a run decided, for comparing task counts: documents kept, removed (reason, kept id)."""
    kept, removed = rows(out / "data"), rows(out / "removed" / "dedup")
    stats = json.loads((out / "stats" / "dedup.json").read_text())
    return {
        "kept": {k: r["minhash_cluster_size"] for k, r in kept.items()},
        "removed": {k: (r["reason"], r["duplicate_of"]) for k, r in removed.items()},
        "stats": (stats["removed"], stats["metrics"]["clusters"], stats["metrics"]["documents_in_clusters"]),
        "largest": stats["metrics"].get("largest_cluster"),
    }


def test_sharded_clusters_equal_the_single_task(global_run, inputs, tmp_path):
    out = run_dedup(inputs, tmp_path / "out", cluster_tasks=3, cluster_rounds=2)
    jobs = json.loads((out / "run.json").read_text())["jobs"]
    names = [j["name"] for j in jobs]
    assert names[2:8] == [
        "03-dedup-clusters",
        "04-dedup-clusters-round1",
        "05-dedup-clusters-round2",
        "06-dedup-clusters-finish",
        "07-dedup-clusters-labels",
        "08-dedup-clusters-decide",
    ]
    assert all(j["tasks"] == 3 for j in jobs[2:8])
    assert sharded(out) == sharded(global_run)


@pytest.fixture(scope="module")
def real_pages(tmp_path_factory) -> Path:
    """1,168 real Common Crawl pages (7 languages) and a near copy of every fifth one, in 3 files."""
    import pyarrow.parquet as pq

    pages = pq.read_table(Path(__file__).parents[2] / "data" / "filters" / "real_pages.parquet").to_pylist()
    long_pages = [p for p in pages[::5] if len(p["text"].split(" ")) >= 20]
    copies = [
        {**p, "id": f"copy-{p['id']}", "text": near_duplicate(p["text"], i)} for i, p in enumerate(long_pages)
    ]
    folder = tmp_path_factory.mktemp("real-pages")
    rows_ = pages + copies
    for part in range(3):
        (folder / f"{part}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows_[part::3]))
    return folder


@pytest.mark.parametrize("tasks", [2, 5])
def test_sharded_clusters_equal_the_single_task_on_real_pages(real_pages, tmp_path, tasks):
    single = run_dedup(real_pages, tmp_path / "single")
    several = run_dedup(real_pages, tmp_path / "sharded", cluster_tasks=tasks, cluster_rounds=tasks - 1)
    expected = sharded(single)
    assert len(expected["removed"]) > 150  # the copies and the pages' own duplicates
    assert sharded(several) == expected


def test_sharded_resume_after_a_lost_round_gives_identical_outputs(inputs, tmp_path):
    """A round's task and everything after it lost: the rerun runs only those and writes the same."""
    first = run_dedup(inputs, tmp_path / "first", cluster_tasks=3, cluster_rounds=2)
    before = sharded(first)
    (first / "logs" / "05-dedup-clusters-round2" / "completions" / "00001").unlink()
    for job in (
        "06-dedup-clusters-finish",
        "07-dedup-clusters-labels",
        "08-dedup-clusters-decide",
        "09-dedup",
    ):
        shutil.rmtree(first / "logs" / job)
    stage = first / "stages" / "dedup"
    for path in (stage / "shards" / "r02").glob("00001.*"):  # the lost task's files
        path.unlink()
    for folder in (
        stage / "shards" / "labels",
        stage / "decisions",
        first / "data",
    ):
        shutil.rmtree(folder)
    shutil.rmtree(first / "removed")
    run(load_config(tmp_path / "first.yaml"))
    assert sharded(first) == before
    assert len(list((first / "logs" / "04-dedup-clusters-round1" / "completions").iterdir())) == 3
