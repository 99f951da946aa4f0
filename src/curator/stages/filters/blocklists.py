"""datatrove's URL block-listed domains, parsed once per machine and read from a memory-mapped cache.

datatrove's URLFilter parses its bundled `domains` list (4.5 M lines, 124 MB, extracted from
`url_filterblacklistsv0_3_0.tar.gz`) into a Python set inside every task: ~2.5 s of CPU and ~500 MB
of memory per task before the first document (issue #24). The same set, as a file:

  header   MAGIC, format version, entry count, blob size, CRC-32 of everything after the header,
           the key (the list's source: SHA-256 of the tar file + FORMAT)
  hashes   n little-endian uint64, sorted: the first 8 bytes of BLAKE2b of each entry
  offsets  n + 1 little-endian uint64: entry i is blob[offsets[i]:offsets[i + 1]]
  blob     the entries' UTF-8 bytes, in hash order

A lookup hashes the string, binary-searches the hashes and compares the bytes of every entry with
that hash, so membership is exactly the set's (a hash collision costs one more comparison, never a
wrong answer). Opening is an mmap plus a CRC check, so tasks of one machine share one copy in the
page cache. The file is written atomically under `core.paths.cache_root()`, named by its key: a new datatrove
list (another tar hash) or a new FORMAT gets a new file; a file that fails any check (truncated,
corrupted, another key) is rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import struct
import tarfile
import zlib
from pathlib import Path

import numpy as np

from curator.core.atomic import atomic_path
from curator.core.paths import cache_root

FORMAT = 1
MAGIC = b"CURBLK\x00\x01"
_HEADER = struct.Struct("<8sIQQI64s")  # magic, format, n, blob bytes, crc32 of the body, key (hex)
DOMAINS_MEMBER = "domains"  # datatrove's member of the tar with the block-listed domains


def datatrove_lists_tar() -> Path:
    """The tar of block lists datatrove ships (its URLFilter extracts it to the Hugging Face cache)."""
    from datatrove.utils._import_utils import ASSETS_PATH

    return Path(ASSETS_PATH) / "url_filterblacklistsv0_3_0.tar.gz"


def entry_hash(entry: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(entry, digest_size=8).digest(), "little")


def parse_entries(lines) -> set[str]:
    """datatrove's `parse_list(lines, do_normalize=False)`: each line stripped, '#' lines skipped."""
    return {line.strip() for line in lines if line[0] != "#"}


def source_key(tar: Path) -> str:
    """The cache key: the tar's SHA-256 and this module's FORMAT (64 hex characters)."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    with open(tar, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class DomainSet:
    """A read-only set of strings backed by a cache file (see the module docstring). `extra`: the
    URLFilter's own `extra_domains`, which datatrove unions with the list."""

    def __init__(self, path: Path, key: str, extra: set[str] | frozenset[str] = frozenset()):
        self.path = path
        self.extra = frozenset(extra)
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            self._hashes, self._offsets, self._blob_start = _check(self._map, key)
        except Exception:
            self._map.close()
            raise

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and (value in self.extra or self._listed(value))

    def _listed(self, value: str) -> bool:
        data = value.encode("utf-8", "surrogatepass")
        h = np.uint64(entry_hash(data))
        hashes, offsets, start = self._hashes, self._offsets, self._blob_start
        i = int(np.searchsorted(hashes, h, side="left"))
        while i < len(hashes) and hashes[i] == h:
            if self._map[start + int(offsets[i]) : start + int(offsets[i + 1])] == data:
                return True
            i += 1
        return False

    def __len__(self) -> int:
        return len(self._hashes) + sum(1 for e in self.extra if not self._listed(e))

    def __reduce__(self):  # pickled to a worker (Slurm, spawn): re-opened there, never copied
        return (DomainSet, (self.path, _key_of(self._map), self.extra))


def _key_of(data) -> str:
    return _HEADER.unpack_from(data, 0)[5].decode("ascii")


def _check(data, key: str) -> tuple[np.ndarray, np.ndarray, int]:
    """The arrays of a cache file, after checking header, key, sizes and CRC; ValueError if any fails."""
    if len(data) < _HEADER.size:
        raise ValueError("shorter than its header")
    magic, version, n, blob_bytes, crc, file_key = _HEADER.unpack_from(data, 0)
    if magic != MAGIC or version != FORMAT:
        raise ValueError(f"not a format-{FORMAT} block-list cache")
    if file_key.decode("ascii", "replace") != key:
        raise ValueError("built from another list (stale)")
    body = _HEADER.size
    expected = body + 8 * n + 8 * (n + 1) + blob_bytes
    if len(data) != expected:
        raise ValueError(f"{len(data)} bytes, expected {expected} (truncated or corrupted)")
    if zlib.crc32(memoryview(data)[body:]) != crc:
        raise ValueError("checksum mismatch (corrupted)")
    hashes = np.frombuffer(data, dtype="<u8", count=n, offset=body)
    offsets = np.frombuffer(data, dtype="<u8", count=n + 1, offset=body + 8 * n)
    return hashes, offsets, body + 8 * n + 8 * (n + 1)


def write_cache(entries: set[str], path: Path, key: str) -> None:
    """Write `entries` as a cache file, atomically (readers see no file or a complete one)."""
    encoded = [e.encode("utf-8", "surrogatepass") for e in entries]
    hashes = np.fromiter((entry_hash(e) for e in encoded), dtype="<u8", count=len(encoded))
    order = np.argsort(hashes, kind="stable")
    ordered = [encoded[i] for i in order]
    lengths = np.fromiter((len(e) for e in ordered), dtype="<u8", count=len(ordered))
    offsets = np.zeros(len(ordered) + 1, dtype="<u8")
    np.cumsum(lengths, out=offsets[1:])
    body = hashes[order].tobytes() + offsets.tobytes() + b"".join(ordered)
    header = _HEADER.pack(
        MAGIC, FORMAT, len(ordered), int(offsets[-1]), zlib.crc32(body), key.encode("ascii")
    )
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(body)
            f.flush()
            os.fsync(f.fileno())


def read_tar_member(tar: Path, member: str) -> set[str]:
    """One list of the tar, parsed as datatrove parses the extracted file (UTF-8 text lines)."""
    with tarfile.open(tar, "r:gz") as archive:
        raw = archive.extractfile(member)
        if raw is None:
            raise ValueError(f"{tar}: no file {member!r} in it")
        with io.TextIOWrapper(raw, encoding="utf-8") as lines:
            return parse_entries(lines)


def cached_domains(
    extra: set[str] | frozenset[str] = frozenset(), tar: Path | None = None, root: Path | None = None
) -> DomainSet:
    """The block-listed domains of `tar` (default: datatrove's) ∪ `extra`, from the cache; the
    cache is built (or rebuilt, if it fails a check) first when needed."""
    tar = tar or datatrove_lists_tar()
    key = source_key(tar)
    path = (root or cache_root()) / "url-blocklists" / f"domains-{key[:24]}.bin"
    try:
        return DomainSet(path, key, extra)
    except (OSError, ValueError):  # missing, or stale / truncated / corrupted: rebuild it
        pass
    write_cache(read_tar_member(tar, DOMAINS_MEMBER), path, key)
    return DomainSet(path, key, extra)
