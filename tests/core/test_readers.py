"""The WARC reader on malformed input: nothing crashes or hangs, every loss is counted with a reason."""

import io
import os
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from curator.core.readers import WarcDocReader
from tests.conftest import shared_data

HTML = "<html><head><title>t</title></head><body><p>{}</p></body></html>"


def write_warc(path: Path, records: list[tuple[bytes, str]]):
    """records: (payload bytes, Content-Type header)."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i, (payload, ctype) in enumerate(records):
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(
                f"http://example.com/{i}", "response", payload=io.BytesIO(payload), http_headers=headers
            )
            writer.write_record(rec)


def read_all(files, **kw):
    reader = WarcDocReader([str(f) for f in files], **kw)
    docs = list(reader.run(rank=0, world_size=1))
    stats = {k: v.total for k, v in reader.stats.stats.items()}
    return docs, stats


def test_every_edge_case_file_is_read_or_reported():
    folder = shared_data("warc/edge-cases")
    files = sorted(folder.iterdir())
    assert len(files) >= 17
    docs, stats = read_all(files)
    # one unreadable file never stops the others: html responses of the readable ones come through
    assert {d.metadata["source_file"] for d in docs} >= {
        str(folder / "warcio-example.warc.gz"),
        str(folder / "warcio-example.warc"),
        str(folder / "resiliparse-clueweb09-quirk.warc.gz"),
    }
    errors = sum(v for k, v in stats.items() if k.startswith("file_error/"))
    assert errors >= 3  # the two ARC files and the truncated plain WARC at least
    assert stats["input_files"] == len(files)
    # ClueWeb09 EUC-JP pages are decoded, not dropped
    quirk = [d for d in docs if d.metadata["source_file"].endswith("clueweb09-quirk.warc.gz")]
    assert len(quirk) >= 20 and all("\ufffd" not in d.text[:2000] for d in quirk[:5])


def test_made_malformed_inputs(tmp_path):
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    not_warc = tmp_path / "notes.warc"
    not_warc.write_text("this is not a WARC file\n" * 100)
    good = tmp_path / "mixed.warc.gz"
    write_warc(
        good,
        [
            (HTML.format("plain utf-8 text").encode(), "text/html; charset=utf-8"),
            (os.urandom(20000).replace(b"\x00", b"\x01")[:100] + b"\x00" * 5000, "text/html"),  # binary body
            (
                HTML.format("caf\xe9 cr\xe8me br\xfbl\xe9e").encode("cp1252"),
                "text/html; charset=utf-8",
            ),  # wrong charset
            (
                HTML.format("ok").encode() + b"\xff\xfe\xfa invalid utf-8",
                "text/html",
            ),  # invalid UTF-8, no charset
            (b"%PDF-1.4 not html", "application/pdf"),
        ],
    )
    big = tmp_path / "big.warc.gz"
    write_warc(big, [((HTML.format("x " * 25_000_000)).encode(), "text/html")])  # a 50 MB body
    docs, stats = read_all([empty, not_warc, good, big])
    texts = [d.text for d in docs]
    assert len(docs) == 3
    assert any("café crème brûlée" in t for t in texts)  # cp1252 detected despite the wrong label
    assert stats["skipped/binary_body"] == 1
    assert stats["skipped/not_html"] == 1
    assert stats["skipped/record_too_large"] == 1
    assert stats["file_error/no_warc_records"] + stats.get("file_error/unreadable", 0) == 2


def test_wet_conversion_records():
    path = shared_data("warc/cc-main-2024-22-whirlwind.warc.wet.gz")
    docs, stats = read_all([path], wet=True)
    assert len(docs) == 1
    assert docs[0].metadata["url"] == "https://an.wikipedia.org/wiki/Escopete"
    assert docs[0].metadata["dump"] == "CC-MAIN-2024-22"
    assert "Escopete" in docs[0].text
