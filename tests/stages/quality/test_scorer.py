"""The scoring step: a score per classifier on every document, and the task's side file."""

import os
import shutil

import pyarrow.parquet as pq
from datatrove.data import Document

from curator.stages.quality.classifier import DEFAULT_MODEL, FastTextClassifier, load_fasttext
from curator.stages.quality.scorer import QualityScorer
from tests.conftest import shared_data


def test_every_document_scored_and_written_to_the_side_file(tmp_path):
    sentences = shared_data("lid-dev/deu.txt").read_text(encoding="utf-8").splitlines()
    docs = [
        Document(text="\n".join(sentences[:8]), id="prose", metadata={"language": "deu_Latn"}),
        Document(
            text="Startseite\nImpressum\nDatenschutz\nKontakt\nAGB",
            id="menu",
            metadata={"language": "deu_Latn"},
        ),
        Document(text="", id="empty", metadata={}),
    ]
    web = FastTextClassifier(DEFAULT_MODEL)
    step = QualityScorer({"web": web, "again": FastTextClassifier(DEFAULT_MODEL)}, tmp_path / "scores")
    out = list(step.run(iter(docs), rank=3, world_size=4))
    assert [d.id for d in out] == ["prose", "menu", "empty"]
    prose, menu, empty = (d.metadata for d in out)
    assert prose["quality_score_web"] > menu["quality_score_web"]
    assert empty["quality_score_web"] == 0.0
    assert prose["quality_score_again"] == prose["quality_score_web"]
    side = pq.read_table(tmp_path / "scores" / "00003.parquet").to_pydict()
    assert side == {
        "language": ["deu_Latn", "deu_Latn", "und"],
        "web": [prose["quality_score_web"], menu["quality_score_web"], 0.0],
        "again": [prose["quality_score_again"], menu["quality_score_again"], 0.0],
    }
    assert not list((tmp_path / "scores").glob(".*"))  # no temp file left behind


def test_a_model_loads_once_per_process_and_file_version(tmp_path):
    """The scorer's preload loads each model in the launching process; classifiers built in its
    (forked) tasks get that same model; a rewritten model file is loaded anew."""
    path = tmp_path / "web.ftz"
    shutil.copy(DEFAULT_MODEL, path)
    QualityScorer({"web": FastTextClassifier(path)}, tmp_path / "scores").preload()
    launcher_model = load_fasttext(path)
    assert FastTextClassifier(path).model is launcher_model
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert FastTextClassifier(path).model is not launcher_model
    QualityScorer({"gone": FastTextClassifier(tmp_path / "missing.ftz")}, tmp_path / "scores").preload()


def test_a_document_a_classifier_raises_on_is_removed_alone(tmp_path, monkeypatch):
    """One document that breaks a classifier (a bug, a hostile value) is removed with its reason and
    digest and written to removed/; the others are scored and in the side file."""
    from curator.core.accounting import removed_key
    from curator.core.writer import ParquetDocWriter

    sentences = shared_data("lid-dev/fra.txt").read_text(encoding="utf-8").splitlines()
    docs = [
        Document(text=s, id=f"d{i}", metadata={"language": "fra_Latn"}) for i, s in enumerate(sentences[:5])
    ]
    web = FastTextClassifier(DEFAULT_MODEL)
    score = web.score

    def breaks_on_d2(text):
        if text == sentences[2]:
            raise MemoryError("hostile value")
        return score(text)

    monkeypatch.setattr(web, "score", breaks_on_d2)
    step = QualityScorer(
        {"web": web}, tmp_path / "scores", exclusion_writer=ParquetDocWriter(tmp_path / "removed")
    )
    assert [d.id for d in step.run(iter(docs), rank=0, world_size=1)] == ["d0", "d1", "d3", "d4"]
    assert step.stats.stats[removed_key("error:QualityScorer:MemoryError", "fra_Latn")].total == 1
    (row,) = pq.read_table(tmp_path / "removed" / "00000.parquet").to_pylist()
    assert row["id"] == "d2" and "hostile value" in row["error"]
    assert len(pq.read_table(tmp_path / "scores" / "00000.parquet")) == 4
