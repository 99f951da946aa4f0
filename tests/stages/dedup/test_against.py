"""Incremental dedup (`dedup: {against: [OUTPUT]}`): run A on half the bench pages, run B on the
other half against A's index. B keeps exactly the documents of its half that one run over both
halves keeps (its clusters keep their earliest document: A's before B's), A's files are untouched,
and B reports how A's clusters grew."""

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from curator.core.errors import ConfigError
from tests.stages.dedup.test_block import dedup_run, near_duplicate, rows

REAL_PAGES = Path(__file__).parents[2] / "data" / "filters" / "real_pages.parquet"  # the bench WARC's pages


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.fixture(scope="module")
def halves(tmp_path_factory) -> dict[str, list[str]]:
    """Half A: the first 584 pages and near copies of every 9th; half B: the other 584, near and
    exact copies of A's pages (some of a copy A itself removed), near copies of its own pages."""
    pages = [p for p in pq.read_table(REAL_PAGES).to_pylist() if len(p["text"].split()) >= 20]
    first, second = pages[: len(pages) // 2], pages[len(pages) // 2 :]
    a = first + [
        {**p, "id": f"a-near-{p['id']}", "text": near_duplicate(p["text"], i)}
        for i, p in enumerate(first[::9])
    ]
    b = (
        second
        + [
            {**p, "id": f"b-near-{p['id']}", "text": near_duplicate(p["text"], 100 + i)}
            for i, p in enumerate(first[::5])
        ]
        + [{**p, "id": f"b-exact-{p['id']}"} for p in first[1::11]]
        + [
            {**p, "id": f"b-again-{p['id']}", "text": near_duplicate(p["text"], i)}
            for i, p in enumerate(first[::9][:10])
        ]
        + [
            {**p, "id": f"b-own-{p['id']}", "text": near_duplicate(p["text"], 300 + i)}
            for i, p in enumerate(second[::8])
        ]
    )
    folder = tmp_path_factory.mktemp("halves")
    return {
        "a": [write_jsonl(folder / f"a{k}.jsonl", a[k::2]) for k in range(2)],
        "b": [write_jsonl(folder / f"b{k}.jsonl", b[k::2]) for k in range(2)],
    }


def files_state(root: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def runs(halves, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("against")
    both = dedup_run(folder / "both", halves["a"] + halves["b"])
    a = dedup_run(folder / "a", halves["a"])
    before = files_state(a)
    b = dedup_run(folder / "b", halves["b"], against=[str(a)])
    return {"both": both, "a": a, "b": b, "a_before": before}


def b_ids(halves) -> set[str]:
    return {json.loads(line)["id"] for path in halves["b"] for line in Path(path).read_text().splitlines()}


def test_b_keeps_what_one_run_over_both_halves_keeps(runs, halves):
    mine = b_ids(halves)
    both_kept = {k: r for k, r in rows(runs["both"] / "data").items() if k in mine}
    b_kept = rows(runs["b"] / "data")
    assert set(b_kept) == set(both_kept)
    assert {k: r["minhash_cluster_size"] for k, r in b_kept.items()} == {
        k: r["minhash_cluster_size"] for k, r in both_kept.items()
    }
    both_removed = {k: r for k, r in rows(runs["both"] / "removed" / "dedup").items() if k in mine}
    b_removed = rows(runs["b"] / "removed" / "dedup")
    assert set(b_removed) == set(both_removed)
    # B's duplicates of A's pages point at the document A kept, as the single run does
    assert {k: r["duplicate_of"] for k, r in b_removed.items()} == {
        k: r["duplicate_of"] for k, r in both_removed.items()
    }
    a_kept = set(rows(runs["a"] / "data"))
    assert all(r["duplicate_of"] in a_kept | set(b_kept) for r in b_removed.values())
    assert sum(k.startswith(("b-near-", "b-exact-", "b-again-")) for k in b_removed) >= 150


def test_a_is_not_rewritten(runs):
    assert files_state(runs["a"]) == runs["a_before"]


def test_b_reports_how_a_clusters_grew(runs, halves):
    stats = json.loads((runs["b"] / "stats" / "dedup.json").read_text())["metrics"]
    a_kept = set(rows(runs["a"] / "data"))
    joined = [r for r in rows(runs["b"] / "removed" / "dedup").values() if r["duplicate_of"] in a_kept]
    assert stats["against/new_documents_in_earlier_clusters"] == len(joined)
    assert stats["against/earlier_clusters_grown"] == len({r["duplicate_of"] for r in joined})


def test_sharded_clusters_against_an_earlier_run_decide_the_same(runs, halves, tmp_path):
    sharded = dedup_run(tmp_path / "b3", halves["b"], against=[str(runs["a"])], cluster_tasks=3)
    assert rows(sharded / "data") == rows(runs["b"] / "data")
    assert rows(sharded / "removed" / "dedup") == rows(runs["b"] / "removed" / "dedup")


def test_against_needs_a_finished_run_with_the_same_key_settings(runs, halves, tmp_path):
    with pytest.raises(ConfigError) as e:
        dedup_run(
            tmp_path / "bad", halves["b"], against=[str(runs["a"]), str(tmp_path / "nothing")], bands=20
        )
    text = "\n".join(e.value.problems)
    assert "dedup.against[0]" in text and "bands: 14 there, 20 here" in text
    assert "dedup.against[1]" in text and "no run.json" in text
