"""The step that counts documents entering and leaving a stage (keys from core.accounting)."""

from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.core.accounting import counter_key
from curator.core.docio import doc_language


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
        keys: dict[str, tuple[str, str, str, str]] = {}  # per language, built once per task
        for doc in data:
            lang = doc_language(doc)
            k = keys.get(lang)
            if k is None:
                k = keys[lang] = (
                    docs_key,
                    counter_key(docs_key, lang),
                    chars_key,
                    counter_key(chars_key, lang),
                )
            self.stat_update(k[0], k[1])
            self.stat_update(k[2], k[3], value=len(doc.text))
            yield doc
