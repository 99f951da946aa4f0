"""Stat keys every curator step uses, so `stats/<stage>.json` can be built from datatrove's stats.

Keys (per task, summed by curator.core.stats):
  docs_in / docs_out / chars_in / chars_out        stage entry and exit counts
  lang/<language>/docs_in, lang/<language>/docs_out (and chars_*)
  removed/<reason>, lang/<language>/removed/<reason>
  skipped/<reason>                                   input records not turned into documents
"""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.core.docio import doc_language


def count_removed(step: PipelineStep, doc: Document, reason: str) -> None:
    """Count one removed document with its reason, overall and for its language; tag the doc."""
    doc.metadata["reason"] = reason
    step.stat_update(f"removed/{reason}", f"lang/{doc_language(doc)}/removed/{reason}")


def count_skipped(step: PipelineStep, reason: str, n: int = 1) -> None:
    """Count input records that never became documents (non-HTML, bad encoding, unreadable file...)."""
    step.stat_update(f"skipped/{reason}", value=n)


class StageCounter(PipelineStep):
    """Counts documents (and characters) entering or leaving a stage, overall and per language."""

    type = "📊 - COUNT"

    def __init__(self, stage: str, where: str):
        assert where in ("in", "out")
        self.stage = stage
        self.where = where
        self.name = f"{stage}:{where}"
        super().__init__()

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        docs_key, chars_key = f"docs_{self.where}", f"chars_{self.where}"
        for doc in data:
            lang = doc_language(doc)
            n = len(doc.text)
            self.stat_update(docs_key, f"lang/{lang}/{docs_key}")
            self.stat_update(chars_key, f"lang/{lang}/{chars_key}", value=n)
            yield doc
