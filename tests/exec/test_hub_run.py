"""`curator validate/plan/run` over hf:// (Hugging Face Hub) inputs served by the Hub emulator on
127.0.0.1 (tests/hub_server.py): Parquet shards and WARC files give the same documents as the run
over the local files; a missing file, repository or revision is named by its key; a gated
repository says to set HF_TOKEN, and the token is never written."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import main
from tests.cc_server import cc_tree
from tests.conftest import SAMPLE_DIR, shared_data
from tests.exec.conftest import output_documents as documents
from tests.exec.conftest import write_run_config
from tests.hub_server import HubRepo, HubServer, as_a_user, parquet_shards

REPO = "curator-test/cc-docs"
GATED = "curator-test/gated-docs"
TOKEN = "hf_TESTtoken0123456789SECRET"
FAST = {"attempts": 2, "backoff_s": 0.01, "max_backoff_s": 0.02, "timeout_s": 10, "check_timeout_s": 5}
STAGES = [{"extract": {"engine": "resiliparse"}}]  # on Parquet input: the read job alone
CURATOR = [sys.executable, "-m", "curator.cli"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, dict[str, Path | bytes]]:
    """Branch -> {path in repo -> local file}: Parquet shards of curator's output on data/sample,
    and the real Common Crawl WARC samples; branch v1 holds the WARC files only."""
    shards = parquet_shards(sorted(SAMPLE_DIR.glob("*.warc.gz")), tmp_path_factory.mktemp("shards"))
    warcs = {f"warc/{p.split('/')[1]}/{p.rsplit('/', 1)[1]}": f for p, f in cc_tree(shared_data(".")).items()}
    readme = b"---\nconfigs:\n- config_name: default\n  data_files: data/*/*.parquet\n---\n# test\n"
    main_files = {"README.md": readme, ".gitattributes": b"*.parquet filter=lfs\n", **shards, **warcs}
    listing = "".join(f"{p}\n" for p in sorted(warcs)).encode()  # a plain (non-LFS) file
    return {"main": main_files, "v1": {"README.md": readme, "warc.paths": listing, **warcs}}


@pytest.fixture(scope="module")
def hub(files, tmp_path_factory):
    repos = [HubRepo(REPO, files), HubRepo(GATED, {"main": files["main"]}, gated=True)]
    with pytest.MonkeyPatch.context() as mp, HubServer(repos, token=TOKEN) as server:
        as_a_user(mp, tmp_path_factory.mktemp("hf"))
        yield server


def write_config(folder: Path, name: str, inp: dict, hub: HubServer | None = None) -> Path:
    options = {"endpoint": hub.url} if hub else {}
    return write_run_config(folder, name, "hub", {"storage_options": options, "network": FAST, **inp}, STAGES)


def cli(*args) -> tuple[int, str]:
    shown = CliRunner().invoke(main, [*args])
    return shown.exit_code, shown.output


def local_run(folder: Path, fmt: str, paths: list[Path]) -> dict[str, str]:
    config = write_config(folder, f"local-{fmt}", {"format": fmt, "paths": [str(p) for p in paths]})
    code, output = cli("run", str(config), "--fresh")
    assert code == 0, output
    return documents(folder / f"local-{fmt}")


def test_parquet_glob_over_the_hub_gives_the_local_documents(hub, files, tmp_path):
    shards = {p: f for p, f in files["main"].items() if p.endswith(".parquet")}
    assert len({p.split("/")[1] for p in shards}) == 2 and len(shards) >= 5  # two configs, several shards
    local = local_run(tmp_path, "parquet", sorted(shards.values()))
    assert len(local) > 100

    config = write_config(
        tmp_path, "hf", {"format": "parquet", "paths": [f"hf://datasets/{REPO}/data/*/*.parquet"]}, hub
    )
    code, shown = cli("plan", str(config))
    size = sum(f.stat().st_size for f in shards.values())
    assert code == 0 and f"input: {len(shards)} parquet files, {size / 1e6:,.1f} MB" in shown, shown
    code, shown = cli("run", str(config))
    assert code == 0, shown
    assert documents(tmp_path / "hf") == local

    record = json.loads((tmp_path / "hf" / "run.json").read_text())
    assert [i["path"] for i in record["inputs"]] == [f"hf://datasets/{REPO}/{p}" for p in sorted(shards)]
    assert [i["bytes"] for i in record["inputs"]] == [shards[p].stat().st_size for p in sorted(shards)]
    # what the Hub was asked: a paginated listing, and Parquet read by ranges through the LFS redirect
    asked = [(method, path, rng) for method, path, rng, _ in hub.requests]
    assert any("/tree/main" in p and "cursor=" in p for _, p, _ in asked)
    assert any(
        p.startswith(f"/datasets/{REPO}/resolve/main/data/") and rng for m, p, rng in asked if m == "GET"
    )
    assert any(p.startswith("/cdn-lfs/") and rng for _, p, rng in asked)


def test_warc_over_the_hub_at_a_revision_gives_the_local_documents(hub, files, tmp_path):
    warcs = {p: f for p, f in files["v1"].items() if p.endswith(".warc.gz")}
    local = local_run(tmp_path, "warc", [warcs[p] for p in sorted(warcs)])
    assert len(local) >= 10
    named = [f"hf://datasets/{REPO}@v1/{p}" for p in sorted(warcs)]
    inputs = {
        "named": {"paths": named},
        "glob": {"paths": [f"hf://datasets/{REPO}@v1/warc/*/*.warc.gz"]},
        "listing": {"paths_from": f"hf://datasets/{REPO}@v1/warc.paths", "base": f"hf://datasets/{REPO}@v1/"},
    }
    for name, inp in inputs.items():
        config = write_config(tmp_path, name, {"format": "warc", **inp}, hub)
        code, shown = cli("run", str(config))
        assert code == 0, (name, shown)
        assert documents(tmp_path / name) == local, name
        record = json.loads((tmp_path / name / "run.json").read_text())
        assert [i["path"] for i in record["inputs"]] == named
        assert all(i["bytes"] == warcs[i["path"].split("@v1/")[1]].stat().st_size for i in record["inputs"])
    assert any("/resolve/v1/warc/" in p for _, p, _, _ in hub.requests)


def test_bad_hub_inputs_are_named_by_key(hub, tmp_path):
    shard = "data/demo-pages/train-00000-of-00005.parquet"
    cases = {
        "missing-file": (
            f"hf://datasets/{REPO}/data/demo-pages/train-00099-of-00005.parquet",
            r"not found \(check",
        ),
        "missing-repo": (
            f"hf://datasets/curator-test/no-such-repo/{shard}",
            r"repository not found, private or gated",
        ),
        "wrong-revision": (f"hf://datasets/{REPO}@v9/{shard}", r"not found \(revision not found"),
        "empty-glob": (f"hf://datasets/{REPO}/data/*/*.jsonl", r"no file matches"),
    }
    for name, (url, expected) in cases.items():
        config = write_config(
            tmp_path, name, {"format": "parquet", "paths": [f"hf://datasets/{REPO}/README.md", url]}, hub
        )
        for command in ("validate", "run"):
            code, shown = cli(command, str(config))
            assert code == 2, (name, command, shown)
            line = next((x for x in shown.splitlines() if "input.paths[1]" in x), "")
            assert url.split("*")[0] in line and re.search(expected, line), (
                name,
                command,
                shown,
            )
        assert not (tmp_path / name / "data").exists()  # refused before any work


def hub_cli(hub: HubServer, *args, token: str | None = None) -> subprocess.CompletedProcess:
    """The CLI in a fresh process, pointed at the emulator the way a user points huggingface_hub at a
    Hub mirror: HF_ENDPOINT (read when huggingface_hub is imported) and HF_TOKEN."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "TRANSFORMERS_OFFLINE"))
    }
    env |= {"HF_ENDPOINT": hub.url, "HF_HOME": str(Path(args[-1]).parent / "hf-home")}
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run([*CURATOR, *args], env=env, capture_output=True, text=True, timeout=300)


def test_gated_repo_asks_for_hf_token_which_is_never_written(hub, files, tmp_path):
    warcs = sorted(p for p in files["main"] if p.endswith(".warc.gz"))
    inp = {"format": "warc", "paths": [f"hf://datasets/{GATED}/warc/*/*.warc.gz"]}
    config = write_config(tmp_path, "gated", inp)  # no endpoint option: HF_ENDPOINT says where the Hub is
    for command in ("validate", "run"):
        done = hub_cli(hub, command, str(config))
        assert done.returncode == 2, done.stdout + done.stderr
        assert "input.paths[0]: hf://datasets/curator-test/gated-docs/warc/" in done.stderr
        assert "access denied (gated repository); set HF_TOKEN" in done.stderr
    assert not (tmp_path / "gated" / "data").exists()

    done = hub_cli(hub, "run", str(config), token=TOKEN)
    assert done.returncode == 0, done.stdout + done.stderr
    local = local_run(tmp_path, "warc", [files["main"][p] for p in warcs])
    assert documents(tmp_path / "gated") == local
    # the same token given in storage_options is shown as *** in run.json
    config = write_config(
        tmp_path, "gated-opt", {**inp, "storage_options": {"endpoint": hub.url, "token": TOKEN}}
    )
    code, shown = cli("run", str(config))
    assert code == 0, shown
    assert json.loads((tmp_path / "gated-opt" / "run.json").read_text())["config"]["input"][
        "storage_options"
    ] == {
        "endpoint": hub.url,
        "token": "***",
    }
    assert documents(tmp_path / "gated-opt") == local
    assert TOKEN not in done.stdout + done.stderr + shown
    for out in ("gated", "gated-opt"):
        for path in (tmp_path / out).rglob("*"):
            if path.is_file():
                assert TOKEN.encode() not in path.read_bytes(), path
    # a token the Hub does not know is named as such
    config = write_config(
        tmp_path, "bad-token", {**inp, "storage_options": {"endpoint": hub.url, "token": "hf_wrong"}}
    )
    code, shown = cli("validate", str(config))
    assert code == 2 and "invalid credentials" in shown and "HF_TOKEN" in shown, shown


def test_offline_mode_is_named_not_retried(hub, tmp_path, monkeypatch):
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    config = write_config(
        tmp_path, "offline", {"format": "parquet", "paths": [f"hf://datasets/{REPO}/README.md"]}, hub
    )
    code, shown = cli("validate", str(config))
    assert code == 2 and "input.paths[0]" in shown and "unset HF_HUB_OFFLINE" in shown, shown
