"""Values that become paths: labels, names, the safe join, profile lookup, the writer's last check."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from curator.core.errors import CuratorError
from curator.core.filter_base import CuratorFilter
from curator.core.names import UnsafePathError, is_language_label, safe_join
from curator.core.writer import ParquetDocWriter
from curator.text.profiles import has_own_profile, load_profile

HOSTILE = [
    "../x",
    "/etc/passwd",
    "deu/Latn",
    "a" * 300,
    "deu_Latn\x00",
    "\u202edeu_Latn",
    "..",
    "",
    "default",
]


@pytest.mark.parametrize("label", HOSTILE + [None, 7])
def test_only_language_labels_pass(label):
    assert not is_language_label(label)


def test_labels_of_the_bundled_profiles_pass():
    root = Path(__file__).resolve().parents[2] / "lang_profiles"
    labels = [p.stem for p in root.glob("*.yaml") if p.stem != "default"]
    assert len(labels) > 100 and all(map(is_language_label, labels))
    assert is_language_label("und") and is_language_label("und_Zyyy")


@pytest.mark.parametrize("part", ["../x", "/abs", "a/../../b", "", ".", "x\x00"])
def test_safe_join_refuses_what_leaves_the_base(tmp_path, part):
    with pytest.raises(UnsafePathError):
        safe_join(tmp_path, part)


def test_safe_join_refuses_a_symlink_out(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "link").symlink_to(tmp_path)
    assert (
        safe_join(tmp_path / "base", "deu_Latn", "00000.parquet") == tmp_path / "base/deu_Latn/00000.parquet"
    )
    with pytest.raises(UnsafePathError):
        safe_join(tmp_path / "base", "link", "x")


def test_profile_lookup_never_reads_outside_its_folder(tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "default.yaml").write_text("min_doc_words: 50\n")
    (tmp_path / "evil.yaml").write_text("min_doc_words: 1\n")  # what ../evil would read
    for label in ["../evil", str(tmp_path / "evil"), "z" * 300]:  # 300: was OSError File name too long
        assert load_profile(label, profiles).min_doc_words == 50
        assert not has_own_profile(label, profiles)


def test_the_writer_refuses_an_invalid_label_and_a_file_outside(tmp_path):
    writer = ParquetDocWriter(tmp_path / "data", filename="{language}/{rank:05d}.parquet")
    with writer, pytest.raises(UnsafePathError):
        writer.write(Document("t", "1", metadata={"language": "../../escaped"}))
    assert not (tmp_path / "escaped").exists()
    escaping = ParquetDocWriter(tmp_path / "data", filename="../{rank:05d}.parquet")
    with escaping, pytest.raises(UnsafePathError):
        escaping.write(Document("t", "1"))
    with ParquetDocWriter(tmp_path / "data", filename="{language}/{rank:05d}.parquet") as ok:
        ok.write(Document("t", "1", metadata={"language": "deu_Latn"}))
    assert pq.read_table(tmp_path / "data/deu_Latn/00000.parquet").num_rows == 1


class _RaisesOn(CuratorFilter):
    name = "raises"

    def __init__(self, bad: set[str], exclusion_writer=None):
        super().__init__(exclusion_writer=exclusion_writer)
        self.bad = bad

    def filter(self, doc):
        if doc.id in self.bad:
            raise KeyError(doc.id)
        return True


def test_a_document_that_raises_is_removed_with_its_error_and_the_task_goes_on(tmp_path):
    docs = [Document(f"text {i}", str(i), metadata={"language": "deu_Latn"}) for i in range(200)]
    step = _RaisesOn({"7"}, exclusion_writer=ParquetDocWriter(tmp_path / "removed"))
    kept = list(step.run(iter(docs)))
    assert len(kept) == 199 and "7" not in {d.id for d in kept}
    assert step.stats["removed/error:_RaisesOn:KeyError"].total == 1
    (row,) = pq.read_table(tmp_path / "removed" / "00000.parquet").to_pylist()
    assert row["id"] == "7" and row["reason"] == "error:_RaisesOn:KeyError"
    assert row["error"].startswith("KeyError at test_names.py:")


def test_a_systematic_failure_still_stops_the_task():
    docs = [Document(f"text {i}", str(i)) for i in range(200)]
    step = _RaisesOn({str(i) for i in range(200)})
    with pytest.raises(CuratorError, match=r"raises: 11 of 11 documents raised an error"):
        list(step.run(iter(docs)))
