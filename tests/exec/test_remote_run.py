"""`curator run` over Common Crawl-like URLs served on 127.0.0.1: the same documents as the local
run, faults retried and counted, a file that never arrives fails its task (and `curator status`
says which), a rerun after recovery completes; bad inputs are refused with their key path."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import main
from curator.config import load_config
from curator.core.errors import ConfigError, CuratorError
from curator.exec.run import run
from tests.cc_server import CCServer, Faults, cc_tree
from tests.conftest import shared_data
from tests.exec.conftest import output_documents as documents
from tests.exec.conftest import write_run_config

STAGES = [{"extract": {"engine": "resiliparse"}}]
FAST = {"attempts": 12, "backoff_s": 0.01, "max_backoff_s": 0.05, "timeout_s": 10, "check_timeout_s": 3}


@pytest.fixture(scope="module")
def tree() -> dict[str, Path]:
    return cc_tree(shared_data("."))  # the two real CC samples, under two dumps


def write_config(folder: Path, name: str, inp: dict) -> Path:
    return write_run_config(folder, name, "remote", {"format": "warc", **inp}, STAGES)


@pytest.fixture(scope="module")
def local_docs(tree, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("local")
    run(load_config(write_config(folder, "local", {"paths": [str(p) for p in tree.values()]})))
    docs = documents(folder / "local")
    assert len(docs) >= 10
    return docs


def listing_file(folder: Path, tree) -> Path:
    path = folder / "all.paths"
    path.write_text("# the two dumps\n" + "".join(f"{p}\n" for p in sorted(tree)))
    return path


def test_listing_run_gives_the_local_documents(tree, local_docs, tmp_path):
    with CCServer(tree) as server:
        inp = {"paths_from": str(listing_file(tmp_path, tree)), "base": server.url, "network": FAST}
        config = write_config(tmp_path, "remote", inp)
        record = run(load_config(config))
        assert documents(tmp_path / "remote") == local_docs
        assert [i["path"] for i in record["inputs"]] == [
            server.url + p for p in sorted(tree)
        ]  # resolved URLs
        assert all(i["bytes"] == tree[i["path"][len(server.url) :]].stat().st_size for i in record["inputs"])
        read = json.loads((tmp_path / "remote" / "stats" / "read.json").read_text())
        assert read["metrics"]["peak_rss_mb"] > 0 and not read["file_errors"]
        # the Common Crawl shorthand expands to the dump's listing, shown by `plan`
        shorthand = write_config(
            tmp_path, "cc", {"commoncrawl": "CC-MAIN-2024-22", "base": server.url, "select": "0:1"}
        )
        shown = CliRunner().invoke(main, ["plan", str(shorthand)])
        assert shown.exit_code == 0, shown.output
        assert f"listing: {server.url}crawl-data/CC-MAIN-2024-22/warc.paths.gz" in shown.output
        size = next(f for p, f in tree.items() if "2024-22" in p).stat().st_size
        assert f"input: 1 warc files, {size / 1e6:,.1f} MB" in shown.output


def test_faults_are_retried_counted_and_lose_nothing(tree, local_docs, tmp_path):
    faults = Faults(seed=3, error_rate=0.3, drop_rate=0.3)
    with CCServer(tree, faults) as server:
        urls = [server.url + p for p in sorted(tree)]
        run(load_config(write_config(tmp_path, "faulty", {"paths": urls, "network": FAST})))
    assert documents(tmp_path / "faulty") == local_docs
    read = json.loads((tmp_path / "faulty" / "stats" / "read.json").read_text())
    retries = {k: v for k, v in read["metrics"].items() if k.startswith("retries/")}
    assert sum(retries.values()) > 0 and not read["file_errors"]
    shown = CliRunner().invoke(main, ["status", str(tmp_path / "faulty")])
    assert "retries " in shown.output


def test_file_that_never_arrives_fails_the_task_then_resumes(tree, local_docs, tmp_path):
    bad = sorted(tree)[0]
    faults = Faults(never={bad})
    with CCServer(tree, faults) as server:
        inp = {"paths": [server.url + p for p in sorted(tree)], "network": {**FAST, "attempts": 3}}
        config = write_config(tmp_path, "never", inp)
        # validate/run check that inputs answer: a 503 on the check is refused before any work
        with pytest.raises(ConfigError, match=r"input\.paths\[0\]: .*unreachable \(http_503"):
            run(load_config(config))
        faults.never_head_ok = True  # the check passes; every download of the file fails
        with pytest.raises(CuratorError, match="failed"):
            run(load_config(config))
        shown = CliRunner().invoke(main, ["status", str(tmp_path / "never")])
        assert "1 failed" in shown.output
        assert bad in shown.output and "after 3 attempts: http_503" in shown.output
        faults.never.clear()  # the server recovers: the same command resumes and completes
        run(load_config(config))
    assert documents(tmp_path / "never") == local_docs


def test_bad_inputs_are_named_by_key(tree, tmp_path):
    with CCServer(tree) as server:
        listing = tmp_path / "bad.paths"
        listing.write_text(f"{sorted(tree)[0]}\ncrawl-data/CC-MAIN-2024-22/segments/x/warc/missing.warc.gz\n")
        cases = {
            "listing": {"paths_from": str(listing), "base": server.url},
            "typo": {"paths": [server.url + sorted(tree)[0].replace("warc.gz", "warc.gzz")]},
            "host": {"paths": ["http://127.0.0.1:9/crawl-data/x.warc.gz"]},
            "no-listing": {"commoncrawl": "CC-MAIN-2099-01", "base": server.url},
        }
        expected = {
            "listing": r"input\.paths_from \(listing line 2\): .*missing\.warc\.gz: not found",
            "typo": r"input\.paths\[0\]: .*warc\.gzz: not found",
            "host": r"input\.paths\[0\]: .*unreachable",
            "no-listing": r"input\.commoncrawl: cannot read the listing .*CC-MAIN-2099-01/warc\.paths\.gz.*not found",
        }
        for name, inp in cases.items():
            config = write_config(tmp_path, name, {**inp, "network": {**FAST, "attempts": 2}})
            shown = CliRunner().invoke(main, ["validate", str(config)])
            assert shown.exit_code == 2, (name, shown.output)
            assert re.search(expected[name], shown.output), (name, shown.output)


def test_credentials_are_never_written(tree, tmp_path):
    secret = "Bearer SECRET-TOKEN-123"
    with CCServer(tree) as server:
        inp = {
            "paths": [server.url + sorted(tree)[1]],
            "storage_options": {"client_kwargs": {"headers": {"Authorization": secret}}},
            "network": FAST,
        }
        run(load_config(write_config(tmp_path, "secret", inp)))
    written = [
        p for p in (tmp_path / "secret").rglob("*") if p.is_file() and p.suffix in (".json", ".log", "")
    ]
    assert any(p.name == "run.json" for p in written)
    for p in written:
        assert "SECRET-TOKEN-123" not in p.read_text(errors="replace"), p


def test_s3_glob_run_gives_the_local_documents(tree, local_docs, tmp_path, s3_server):
    import s3fs

    options = {"client_kwargs": {"endpoint_url": s3_server}, "key": "testing", "secret": "testing"}
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("commoncrawl-test")
    for path, local in tree.items():
        fs.put_file(str(local), f"commoncrawl-test/{path}")
    fs.put_file(str(tree[sorted(tree)[0]]), "commoncrawl-test/crawl-data/elsewhere.warc.gz")  # not matched
    inp = {
        "paths": ["s3://commoncrawl-test/crawl-data/*/segments/*/warc/*.warc.gz"],
        "storage_options": options,
        "network": FAST,
    }
    record = run(load_config(write_config(tmp_path, "s3", inp)))
    assert documents(tmp_path / "s3") == local_docs
    assert [i["path"] for i in record["inputs"]] == [f"s3://commoncrawl-test/{p}" for p in sorted(tree)]
    assert all(i["bytes"] for i in record["inputs"])  # sizes from the listing
    assert record["config"]["input"]["storage_options"]["secret"] == "***"
    # a missing object is named with its key before any work
    config = write_config(tmp_path, "s3-missing", {**inp, "paths": ["s3://commoncrawl-test/nope.warc.gz"]})
    shown = CliRunner().invoke(main, ["validate", str(config)])
    assert (
        shown.exit_code == 2
        and "input.paths[0]: s3://commoncrawl-test/nope.warc.gz: not found" in shown.output
    )
