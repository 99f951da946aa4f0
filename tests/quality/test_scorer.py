"""The scoring step: a score per classifier on every document, and the task's side file."""

import pyarrow.parquet as pq
from datatrove.data import Document

from curator.quality.classifier import DEFAULT_MODEL, FastTextClassifier
from curator.quality.scorer import QualityScorer
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
