"""The four dedup steps run in one process: repeated ids, documents too short for MinHash, and a
document the keys phase never saw."""

import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from curator.core.accounting import removed_key
from curator.stages.dedup.buckets import DedupBuckets
from curator.stages.dedup.clusters import DedupClusters
from curator.stages.dedup.files import band_names
from curator.stages.dedup.filter import DedupFilter
from curator.stages.dedup.minhash import MinhashScheme
from curator.stages.dedup.signer import DedupSignatures


def run_phases(tmp_path, docs: list[Document]) -> DedupFilter:
    side = str(tmp_path / "side")
    scheme = MinhashScheme()
    keyed = list(DedupSignatures(side, scheme).run(iter(docs), rank=0, world_size=1))
    assert keyed == docs  # documents pass through unchanged
    list(DedupBuckets(side, band_names(scheme.bands, True, True)).run(None, 0, 1))
    list(DedupClusters(side).run(None, 0, 1))
    return DedupFilter(side)


def english(doc_id: str, text: str) -> Document:
    return Document(text=text, id=doc_id, metadata={"language": "eng_Latn"})


def test_repeated_ids_and_short_documents(tmp_path, articles):
    docs = [
        english("same-id", articles[0]),
        english("same-id", articles[0]),  # the same record read twice: one copy goes
        english("other", articles[1]),
        english("menu-1", "Home | Contact"),  # fewer words than n_grams: exact matching only
        english("menu-2", "Home | Contact"),
        english("menu-3", "Home | About"),
    ]
    step = run_phases(tmp_path, docs)
    kept = list(step.run(iter(docs), rank=0, world_size=1))
    assert [(d.id, d.metadata["minhash_cluster_size"]) for d in kept] == [
        ("same-id", 2),
        ("other", 1),
        ("menu-1", 2),
        ("menu-3", 1),
    ]
    removed = {k: v.total for k, v in step.stats.stats.items() if k.startswith("removed/")}
    assert removed == {"removed/exact_duplicate": 2}
    assert docs[1].metadata["duplicate_of"] == "same-id" and docs[4].metadata["duplicate_of"] == "menu-1"


def test_unknown_document_stops_the_filter_with_a_message(tmp_path, articles):
    docs = [english("a", articles[0]), english("b", articles[1])]
    step = run_phases(tmp_path, docs)
    with pytest.raises(RuntimeError, match="'intruder'.*was not keyed"):
        list(step.run(iter([docs[0], english("intruder", articles[2])]), rank=0, world_size=1))


def test_language_without_tokenizer_falls_back_to_whitespace_and_counts_it(tmp_path, articles):
    """qaa is reserved for local use: no tokenizer is assigned to it."""
    docs = [Document(text=articles[0], id=f"x{i}", metadata={"language": "qaa_Latn"}) for i in range(2)]
    side = str(tmp_path / "side")
    step = DedupSignatures(side, MinhashScheme())
    assert list(step.run(iter(docs), rank=0, world_size=1)) == docs
    assert step.stats.stats["tokenizer_fallback/qaa_Latn"].total == 1
    assert step.stats.stats.get("too_short_for_minhash") is None  # every document was shingled


def test_a_document_whose_keys_raise_is_removed_alone(tmp_path, articles, monkeypatch):
    """A bug or a hostile value in one document's tokenization: that document is removed with its
    reason and digest, written to removed/, never keyed; the others go on to the filter."""
    from curator.core.writer import ParquetDocWriter
    from curator.stages.dedup.shingles import Shingler

    hashes = Shingler.hashes

    def breaks_on_marker(self, text):
        if "\u2063" in text:
            raise UnicodeError("tokenizer choked")
        return hashes(self, text)

    monkeypatch.setattr(Shingler, "hashes", breaks_on_marker)
    docs = [english(f"d{i}", text) for i, text in enumerate(articles[:4])]
    docs[2].text += "\u2063"
    removed_dir = tmp_path / "removed"
    step = DedupSignatures(
        str(tmp_path / "side"), MinhashScheme(), exclusion_writer=ParquetDocWriter(removed_dir)
    )
    assert [d.id for d in step.run(iter(docs), rank=0, world_size=1)] == ["d0", "d1", "d3"]
    reason = "error:DedupSignatures:UnicodeError"
    assert step.stats.stats[removed_key(reason)].total == 1
    assert step.stats.stats[removed_key(reason, "eng_Latn")].total == 1
    (row,) = pq.read_table(removed_dir / "00000.parquet").to_pylist()
    assert row["id"] == "d2" and row["reason"] == "error:DedupSignatures:UnicodeError"
    assert row["error"].startswith("UnicodeError at test_phases.py:") and "tokenizer choked" in row["error"]
    # the later phases never see d2 and keep the rest
    scheme = MinhashScheme()
    list(DedupBuckets(str(tmp_path / "side"), band_names(scheme.bands, True, True)).run(None, 0, 1))
    list(DedupClusters(str(tmp_path / "side")).run(None, 0, 1))
    kept = DedupFilter(str(tmp_path / "side")).run(iter([docs[0], docs[1], docs[3]]), rank=0, world_size=1)
    assert [d.id for d in kept] == ["d0", "d1", "d3"]


def test_keys_that_raise_on_many_documents_stop_the_task(tmp_path, articles, monkeypatch):
    from curator.core.errors import CuratorError
    from curator.stages.dedup.shingles import Shingler

    def always(self, text):
        raise KeyError("no such tokenizer")

    monkeypatch.setattr(Shingler, "hashes", always)
    docs = [english(f"d{i}", articles[i % len(articles)]) for i in range(30)]
    step = DedupSignatures(str(tmp_path / "side"), MinhashScheme())
    with pytest.raises(
        CuratorError, match=r"dedup keys: 11 of 30 documents raised an error: a systematic failure"
    ):
        list(step.run(iter(docs), rank=0, world_size=1))
