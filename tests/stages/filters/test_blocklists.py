"""The block-list cache: the same members as datatrove's parsed list; stale, truncated or corrupted
files are rebuilt; a failed write leaves nothing behind. Built from a tar of the real list's lines."""

import io
import itertools
import os
import pickle
import tarfile
import warnings
from pathlib import Path

import pytest

from curator.stages.filters import blocklists
from curator.stages.filters.blocklists import DomainSet, cached_domains, datatrove_lists_tar, parse_entries


@pytest.fixture(scope="module")
def real_lines() -> list[str]:
    """20,000 lines of datatrove's real `domains` list (the first ones, and a stretch from the middle)."""
    with tarfile.open(datatrove_lists_tar(), "r:gz") as archive:
        raw = archive.extractfile(blocklists.DOMAINS_MEMBER)
        lines = io.TextIOWrapper(raw, encoding="utf-8")
        head = list(itertools.islice(lines, 10_000))
        middle = list(itertools.islice(lines, 1_000_000, 1_010_000))
    return head + middle + ["# a comment line\n", "   padded.example  \n", "\n", "ünïcode.example\n"]


def make_tar(folder: Path, lines: list[str], name: str = "lists.tar.gz") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = "".join(lines).encode()
    path = folder / name
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(blocklists.DOMAINS_MEMBER)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def cache_file(root: Path) -> Path:
    (path,) = (root / "url-blocklists").glob("domains-*.bin")
    return path


def test_same_members_as_datatrove_parses(tmp_path, real_lines):
    from datatrove.pipeline.filters.url_filter import parse_list

    expected = parse_list(real_lines, do_normalize=False)
    assert expected == parse_entries(real_lines)
    domains = cached_domains(tar=make_tar(tmp_path, real_lines), root=tmp_path / "cache")
    assert len(domains) == len(expected)
    assert all(d in domains for d in expected)
    assert "" in domains and "padded.example" in domains and "ünïcode.example" in domains  # as datatrove
    absent = [d + "x" for d in list(expected)[:2000]] + [
        "# a comment line",
        "example.com",
        "   padded.example  ",
    ]
    assert not any(d in domains for d in absent if d not in expected)
    assert 3 not in domains


def test_extra_domains_are_a_union(tmp_path, real_lines):
    domains = cached_domains({"extra.example"}, tar=make_tar(tmp_path, real_lines), root=tmp_path / "c")
    assert "extra.example" in domains and real_lines[0].strip() in domains
    assert len(domains) == len(parse_entries(real_lines)) + 1


def test_second_open_reads_the_file_without_rebuilding(tmp_path, real_lines, monkeypatch):
    tar, root = make_tar(tmp_path, real_lines), tmp_path / "c"
    cached_domains(tar=tar, root=root)
    monkeypatch.setattr(blocklists, "read_tar_member", lambda *a: pytest.fail("rebuilt a valid cache"))
    assert real_lines[5].strip() in cached_domains(tar=tar, root=root)


@pytest.mark.parametrize("damage", ["flip_blob_byte", "flip_hash_byte", "truncate", "empty", "other_key"])
def test_damaged_or_stale_cache_is_rebuilt(tmp_path, real_lines, damage):
    tar, root = make_tar(tmp_path, real_lines), tmp_path / "c"
    cached_domains(tar=tar, root=root)
    path = cache_file(root)
    good = path.read_bytes()
    data = bytearray(good)
    if damage == "flip_blob_byte":
        data[-3] ^= 0x20
    elif damage == "flip_hash_byte":
        data[blocklists._HEADER.size + 5] ^= 0x01
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    else:  # the same file name, built from another list (a key prefix collision, or a hand-copied file)
        start = blocklists._HEADER.size - 64
        data[start : start + 64] = b"0" * 64
    path.write_bytes(bytes(data))
    with pytest.raises((ValueError, OSError)):
        DomainSet(path, blocklists.source_key(tar))
    domains = cached_domains(tar=tar, root=root)
    assert path.read_bytes() == good  # rebuilt to the same bytes
    assert all(d in domains for d in parse_entries(real_lines))


def test_another_list_gets_its_own_file(tmp_path, real_lines):
    root = tmp_path / "c"
    first = cached_domains(tar=make_tar(tmp_path / "a", real_lines[:100]), root=root)
    second = cached_domains(tar=make_tar(tmp_path / "b", real_lines[100:300]), root=root)
    assert len(list((root / "url-blocklists").glob("*.bin"))) == 2
    assert real_lines[0].strip() in first and real_lines[0].strip() not in second


def test_failed_write_leaves_no_file(tmp_path, real_lines, monkeypatch):
    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        cached_domains(tar=make_tar(tmp_path, real_lines), root=tmp_path / "c")
    assert list((tmp_path / "c" / "url-blocklists").iterdir()) == []  # neither the file nor a temp file


def test_pickled_to_a_worker_it_reopens_the_file(tmp_path, real_lines):
    domains = cached_domains({"x.example"}, tar=make_tar(tmp_path, real_lines), root=tmp_path / "c")
    copy = pickle.loads(pickle.dumps(domains))
    assert len(pickle.dumps(domains)) < 1000  # the path and key, not the list
    assert "x.example" in copy and real_lines[7].strip() in copy


def test_url_filter_decisions_match_stock_datatrove(pages):
    """The real cache (built on first use) through curator's UrlFilter vs datatrove's own URLFilter."""
    from datatrove.pipeline.filters import URLFilter
    from datatrove.pipeline.filters.base_filter import get_filter_result

    from curator.core.compat import url_filter_offline_suffixes
    from curator.stages.filters.url import UrlFilter

    stock = URLFilter()
    url_filter_offline_suffixes(stock)
    ours = UrlFilter()
    ours.setup()
    assert isinstance(ours._url_filter.block_listed_domains, DomainSet)
    urls = [d.metadata["url"] for d in pages if d.metadata["url"]]
    with tarfile.open(datatrove_lists_tar(), "r:gz") as archive:  # listed domains, as pages and subdomains
        lines = io.TextIOWrapper(archive.extractfile("domains"), encoding="utf-8")
        listed = [line.strip() for line in itertools.islice(lines, 0, 2_000_000, 20_000)]
    urls += [f"https://{d}/page" for d in listed] + [f"http://www.{d}/" for d in listed]
    urls += ["https://pornhub.com/view", "http://www.foo.com/free-porn-videos", "http://127.0.0.1/x"]
    from datatrove.data import Document

    for url in urls:
        doc = Document(text="t", id="1", metadata={"url": url})
        with warnings.catch_warnings():  # datatrove reads tldextract's deprecated `registered_domain`
            warnings.simplefilter("ignore", DeprecationWarning)
            assert get_filter_result(ours._url_filter.filter(doc)) == get_filter_result(stock.filter(doc)), (
                url
            )
