"""hf:// inputs read by curator's readers from the Hub emulator on 127.0.0.1 (tests/hub_server.py):
every byte through the LFS redirect and ranged reads, the same documents as the local files, and the
Hub's refusals told apart from missing files (a gated file fails the task, never a counted skip)."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curator.core.readers import ParquetDocReader, WarcDocReader
from curator.core.remote import READ_BLOCK, InputNotFound, InputReadError, RemoteStream, RetryPolicy, classify
from tests.cc_server import cc_tree
from tests.conftest import shared_data
from tests.hub_server import HubRepo, HubServer, as_a_user

FAST = RetryPolicy(attempts=2, backoff_s=0.01, max_backoff_s=0.02, timeout_s=10)
REPO, GATED = "curator-test/warcs", "curator-test/gated"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The real WARC samples and the bench WARC (several READ_BLOCKs long), and a Parquet file of
    the documents of one of them."""
    out = {f"warc/{p.rsplit('/', 1)[1]}": f for p, f in cc_tree(shared_data("."), bench=True).items()}
    excerpt = next(f for p, f in out.items() if "00395.warc.gz" in p)
    docs = [{"id": d.id, "text": d.text} for d in WarcDocReader([str(excerpt)]).run()]
    table = tmp_path_factory.mktemp("parquet") / "docs.parquet"
    pq.write_table(pa.Table.from_pylist(docs), table, row_group_size=4)
    return {**out, "data/docs.parquet": table}


@pytest.fixture(scope="module")
def hub(files, tmp_path_factory):
    repos = [HubRepo(REPO, {"main": files}), HubRepo(GATED, {"main": files}, gated=True)]
    with pytest.MonkeyPatch.context() as mp, HubServer(repos, token="hf_core_SECRET") as server:
        as_a_user(mp, tmp_path_factory.mktemp("hf"))
        yield server


def test_stream_reads_every_byte_through_redirect_and_ranges(hub, files):
    bench = next(p for p in files if "bench" in p)
    assert files[bench].stat().st_size > 3 * READ_BLOCK
    for path, local in files.items():
        stream = RemoteStream(f"hf://datasets/{REPO}/{path}", {"endpoint": hub.url}, FAST)
        out = bytearray()
        while chunk := stream.read(1 << 20):
            out += chunk
        assert bytes(out) == local.read_bytes(), path
        assert stream.size == local.stat().st_size and stream.retries == 0
    sha256 = hub.hashes(files[bench])[1]
    ranges = [rng for _, p, rng, _ in hub.requests if p.startswith("/cdn-lfs/") and sha256 in p]
    assert len(ranges) > 3 and all(ranges)  # the bench file came in several ranged requests


def test_readers_over_the_hub_give_the_local_documents(hub, files):
    warcs = sorted(p for p in files if p.endswith(".warc.gz"))
    options = {"storage_options": {"endpoint": hub.url}, "retry": FAST}

    def docs(reader):
        return [(d.id, d.text) for d in reader.run()]

    local = docs(WarcDocReader([str(files[p]) for p in warcs]))
    assert len(local) > 1000
    assert docs(WarcDocReader([f"hf://datasets/{REPO}/{p}" for p in warcs], **options)) == local
    local = docs(ParquetDocReader([str(files["data/docs.parquet"])]))
    assert len(local) >= 10
    assert docs(ParquetDocReader([f"hf://datasets/{REPO}/data/docs.parquet"], **options)) == local


def test_gated_file_fails_the_task_and_says_set_hf_token(hub):
    """Before hf errors were classified, the Parquet reader counted a gated file as
    file_error/unreadable and the task completed with its documents lost."""
    options = {"storage_options": {"endpoint": hub.url}, "retry": FAST}
    reader = ParquetDocReader([f"hf://datasets/{GATED}/data/docs.parquet"], **options)
    with pytest.raises(InputReadError, match="forbidden: GatedRepoError"):
        list(reader.run())
    assert not any(k.startswith("file_error/") for k in reader.stats.stats)
    stream = RemoteStream(f"hf://datasets/{GATED}/data/docs.parquet", {"endpoint": hub.url}, FAST)
    with pytest.raises(InputReadError, match="(?s)not retried.*set HF_TOKEN") as err:
        stream.read(10)
    assert stream.retries == 0 and "hf_core_SECRET" not in str(err.value)
    # with the token, the same file reads
    stream = RemoteStream(
        f"hf://datasets/{GATED}/data/docs.parquet", {"endpoint": hub.url, "token": "hf_core_SECRET"}, FAST
    )
    assert stream.read(4) == b"PAR1"


def test_hub_errors_are_classified(hub):
    """What huggingface_hub raises for each Hub answer, read by `classify`: refusals and missing
    things are permanent (the task fails / the file is counted not_found), 5xx are retried."""
    import httpx2
    from huggingface_hub import HfFileSystem
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    def error_of(fs, path):
        try:
            with fs.open(path, "rb") as f:
                f.read(10)
        except Exception as e:
            return e
        raise AssertionError(f"{path} was read")

    anonymous = HfFileSystem(endpoint=hub.url, skip_instance_cache=True)
    with_token = HfFileSystem(endpoint=hub.url, token="hf_core_SECRET", skip_instance_cache=True)
    assert classify(error_of(anonymous, f"datasets/{GATED}/data/docs.parquet")) == ("forbidden", False)
    # the Hub answers 401 to an anonymous request for a missing repository, 404 with a token
    assert classify(error_of(anonymous, "datasets/curator-test/nope/x.parquet")) == ("forbidden", False)
    assert classify(error_of(with_token, "datasets/curator-test/nope/x.parquet")) == ("not_found", False)
    assert classify(error_of(anonymous, f"datasets/{REPO}@v9/data/docs.parquet")) == ("not_found", False)
    assert classify(error_of(anonymous, f"datasets/{REPO}/data/nope.parquet")) == ("not_found", False)
    request = httpx2.Request("GET", f"{hub.url}/datasets/{REPO}/resolve/main/x")
    busy = HfHubHTTPError("503 Service Unavailable", response=httpx2.Response(503, request=request))
    assert classify(busy) == ("http_503", True)
    assert classify(OfflineModeIsEnabled("offline")) == ("offline", False)


def test_missing_hub_file_is_a_counted_file_error(hub):
    options = {"storage_options": {"endpoint": hub.url}, "retry": FAST}
    with pytest.raises(InputNotFound):
        RemoteStream(f"hf://datasets/{REPO}/warc/nope.warc.gz", {"endpoint": hub.url}, FAST).read(10)
    reader = WarcDocReader([f"hf://datasets/{REPO}/warc/nope.warc.gz"], **options)
    assert list(reader.run()) == []
    assert reader.stats.stats["file_error/not_found"].total == 1
