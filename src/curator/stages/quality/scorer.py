"""Step 1 of the quality block: score every document with every classifier.

Each score goes to the document (`quality_score_<name>`) and, with the document's language, to
this task's side file `<scores_dir>/<rank>.parquet`, which the global bucket step reads: the
percentile edges need every score of the corpus before any document can get its final score.
"""

from __future__ import annotations

from contextlib import nullcontext, suppress
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.core.atomic import atomic_path
from curator.core.doc_errors import DocumentErrors
from curator.core.docio import doc_language
from curator.stages.quality.classifier import FastTextClassifier, load_fasttext


def score_column(name: str) -> str:
    return f"quality_score_{name}"


class QualityScorer(PipelineStep):
    name = "⭐ quality scores"
    type = "🔢 - SCORER"

    def __init__(
        self,
        classifiers: dict[str, FastTextClassifier],
        scores_dir: str | Path,
        scored_before: tuple[str, ...] = (),
        exclusion_writer=None,
    ):
        """`scored_before`: names of ensemble members an earlier step already scored (the fluency
        filter): their `quality_score_<name>` is copied into the side file (None: missing)."""
        super().__init__()
        self.classifiers = classifiers
        self.scores_dir = Path(scores_dir)
        self.scored_before = scored_before
        self.exclusion_writer = exclusion_writer  # documents a classifier raises on (core/doc_errors.py)

    def preload(self) -> None:
        """Load the models once for all the job's tasks (see load_fasttext); a model that does not
        load is reported by the tasks."""
        for classifier in self.classifiers.values():
            with suppress(OSError, ValueError):
                load_fasttext(classifier.path)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        languages: list[str] = []
        columns: dict[str, list[float | None]] = {
            name: [] for name in (*self.classifiers, *self.scored_before)
        }
        with self.exclusion_writer or nullcontext() as writer:
            errors = DocumentErrors(self, writer, rank)
            for doc in data:
                errors.seen()
                with self.track_time():
                    try:
                        scores = {name: c.score(doc.text) for name, c in self.classifiers.items()}
                    except Exception as e:  # one document's error removes it, not the task
                        errors.remove(doc, e)
                        continue
                    languages.append(doc_language(doc))
                    for name, score in scores.items():
                        doc.metadata[score_column(name)] = score
                        columns[name].append(score)
                    for name in self.scored_before:
                        columns[name].append(doc.metadata.get(score_column(name)))
                self.stat_update("scored")
                yield doc
        self._write_side_file(rank, languages, columns)

    def _write_side_file(
        self, rank: int, languages: list[str], columns: dict[str, list[float | None]]
    ) -> None:
        """Atomically (temp + rename), also when empty, so a rerun task replaces its old file."""
        table = pa.table(
            {"language": pa.array(languages, pa.string())}
            | {name: pa.array(values, pa.float64()) for name, values in columns.items()}
        )
        with atomic_path(self.scores_dir / f"{rank:05d}.parquet") as tmp:
            pq.write_table(table, tmp)
