"""Remote inputs against real servers on 127.0.0.1: a stdlib HTTP server with Range support serving
a Common Crawl-like tree of the real WARC files, with and without injected faults."""

from pathlib import Path

import pytest

from curator.core.readers import WarcDocReader
from curator.core.remote import (
    InputNotFound,
    InputReadError,
    RemoteStream,
    RetryPolicy,
    StorageOptions,
    classify,
    redact,
    redact_options,
)
from tests.cc_server import CCServer, Faults, cc_tree
from tests.conftest import shared_data

FAST = RetryPolicy(attempts=12, backoff_s=0.01, max_backoff_s=0.05, timeout_s=10)


@pytest.fixture(scope="module")
def tree() -> dict[str, Path]:
    return cc_tree(shared_data("."), bench=True)


def read_all(stream: RemoteStream) -> bytes:
    out = bytearray()
    while chunk := stream.read(65536):
        out += chunk
    return bytes(out)


def docs_of(files, **kw):
    reader = WarcDocReader(files, retry=FAST, **kw)
    docs = [(d.id, d.text) for d in reader.run(rank=0, world_size=1)]
    return docs, {k: v.total for k, v in reader.stats.stats.items()}


@pytest.mark.parametrize(
    "faults",
    [
        Faults(),
        Faults(seed=1, error_rate=0.3, drop_rate=0.3),
        Faults(seed=2, drop_rate=0.5, ignore_range=True),  # a server without ranges: re-read, skip the head
    ],
    ids=["clean", "503-429-drops", "no-range"],
)
def test_stream_delivers_every_byte(tree, faults):
    with CCServer(tree, faults) as server:
        retries = 0
        for path, local in tree.items():
            stream = RemoteStream(server.url + path, policy=FAST)
            assert read_all(stream) == local.read_bytes()
            retries += stream.retries
    assert retries == (faults.errors + faults.drops)  # every fault was retried, and counted
    if faults.error_rate or faults.drop_rate:
        assert retries > 0


def test_reader_over_http_gives_the_local_documents(tree):
    local_docs, local_stats = docs_of([str(p) for p in tree.values()])
    assert len(local_docs) > 1000
    with CCServer(tree) as server:
        remote_docs, remote_stats = docs_of([server.url + p for p in tree])
    assert remote_docs == local_docs
    assert remote_stats["records_read"] == local_stats["records_read"]


def test_faults_lose_nothing_and_are_counted(tree):
    small = {p: f for p, f in tree.items() if "bench" not in p}
    local_docs, _ = docs_of([str(p) for p in small.values()])
    faults = Faults(seed=7, error_rate=0.4, drop_rate=0.4)
    with CCServer(small, faults) as server:
        docs, stats = docs_of([server.url + p for p in small])
    assert docs == local_docs
    retried = sum(v for k, v in stats.items() if k.startswith("retries/"))
    assert retried == faults.errors + faults.drops > 0
    assert not any(k.startswith("file_error/") for k in stats)


def test_file_that_never_arrives_fails_the_task(tree):
    small = {p: f for p, f in tree.items() if "bench" not in p}
    bad = sorted(small)[1]
    faults = Faults(never={bad})
    with CCServer(small, faults) as server:
        reader = WarcDocReader([server.url + p for p in sorted(small)], retry=RetryPolicy(3, 0.01, 0.02, 5))
        with pytest.raises(InputReadError) as err:
            list(reader.run(rank=0, world_size=1))
        message = str(err.value)
        assert bad in message and "after 3 attempts" in message and "http_503" in message
        assert "rerun" in message
        stats = {k: v.total for k, v in reader.stats.stats.items()}
        assert stats["retries/http_503"] == 2  # attempts - 1 retries, then the task fails
        assert not any(k.startswith("file_error/") for k in stats)  # never a counted skip
        faults.never.clear()  # the server recovers: the same reader reads everything
        recovered, _ = docs_of([server.url + p for p in sorted(small)])
    assert recovered == docs_of([str(small[p]) for p in sorted(small)])[0]


def test_missing_and_non_warc_objects_are_counted_file_errors(tree):
    small = {p: f for p, f in tree.items() if "bench" not in p}
    extra = {"crawl-data/CC-MAIN-2024-22/index.html": b"<html><body>not a WARC</body></html>\n" * 50}
    with CCServer(small, extra=extra) as server:
        files = [server.url + p for p in sorted(small)]
        docs, stats = docs_of(
            files[:1]
            + [server.url + "crawl-data/CC-MAIN-2024-22/typo.warc.gz", server.url + next(iter(extra))]
            + files[1:]
        )
    assert len(docs) == len(docs_of([str(small[p]) for p in sorted(small)])[0])  # nothing else lost
    assert stats["file_error/not_found"] == 1
    assert stats.get("file_error/no_warc_records", 0) + stats.get("file_error/unreadable", 0) == 1


def test_missing_file_is_not_found_not_a_retry(tree):
    with CCServer(tree) as server:
        stream = RemoteStream(server.url + "nope.warc.gz", policy=FAST)
        with pytest.raises(InputNotFound):
            stream.read(10)
        assert stream.retries == 0


def test_unreachable_host_fails_after_bounded_attempts():
    stream = RemoteStream("http://127.0.0.1:9/x.warc.gz", policy=RetryPolicy(2, 0.01, 0.01, 2))
    with pytest.raises(InputReadError, match="after 2 attempts"):
        stream.read(10)


def test_classify_transient_and_permanent():
    assert classify(ConnectionResetError("reset")) == ("connection", True)
    assert classify(TimeoutError()) == ("timeout", True)
    assert classify(FileNotFoundError("x")) == ("not_found", False)
    assert classify(PermissionError("x")) == ("forbidden", False)
    throttled = Exception("boom")
    throttled.response = {"Error": {"Code": "SlowDown"}}
    assert classify(throttled) == ("throttled", True)
    try:  # fsspec reports a 503 on HEAD+GET as FileNotFoundError raised from it
        try:
            raise ConnectionError("503 Service Unavailable")
        except ConnectionError as e:
            raise FileNotFoundError("u") from e
    except FileNotFoundError as e:
        assert classify(e) == ("connection", True)


def test_nothing_secret_is_shown():
    assert redact("https://user:pw@h.org/a.warc.gz?X-Amz-Signature=abc&part=1") == (
        "https://h.org/a.warc.gz?X-Amz-Signature=***&part=1"
    )
    assert redact("/data/a.warc.gz") == "/data/a.warc.gz"
    opts = {"key": "AKIA", "secret": "s", "anon": False, "client_kwargs": {"endpoint_url": "http://x"}}
    assert redact_options(opts) == {
        "key": "***",
        "secret": "***",
        "anon": False,
        "client_kwargs": {"endpoint_url": "http://x"},
    }
    assert "AKIA" not in str(StorageOptions(opts))
