"""Step 3 of the quality block: `quality_score` = the document's best percentile bucket over the
classifiers (scaled to [0, 1]); documents under their language's cut-off are removed with reason
`quality:below_threshold` (the score is set first, so removed documents carry it too)."""

from __future__ import annotations

from pathlib import Path

from datatrove.data import Document

from curator.core.docio import doc_language
from curator.core.filter_base import CuratorFilter
from curator.stages.quality.buckets import BucketTable, ensemble_score
from curator.stages.quality.scorer import score_column
from curator.stages.quality.thresholds import QualityThresholds

REASON = "quality:below_threshold"


class QualityEnsembleFilter(CuratorFilter):
    name = "⭐ quality ensemble"

    def __init__(self, table_path: str | Path, thresholds: QualityThresholds, exclusion_writer=None):
        super().__init__(exclusion_writer=exclusion_writer)
        self.table_path = Path(table_path)
        self.thresholds = thresholds
        self._table: BucketTable | None = None

    @property
    def table(self) -> BucketTable:
        if self._table is None:
            if not self.table_path.is_file():
                raise FileNotFoundError(
                    f"{self.table_path}: quality bucket table missing; the quality stage's 'buckets' job "
                    "must finish before this one (rerun the pipeline without --fresh to resume)"
                )
            self._table = BucketTable.load(self.table_path)
        return self._table

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        language = doc_language(doc)
        buckets = self.table.for_language(language)
        try:
            scores = {name: doc.metadata[score_column(name)] for name in self.table.classifiers}
        except KeyError as e:
            raise KeyError(
                f"document {doc.id} has no {e.args[0]}: it did not pass this quality stage's scoring step "
                f"({self.table_path} lists classifiers {self.table.classifiers}); rerun with --fresh"
            ) from None
        score = ensemble_score(scores, buckets.edges, self.table.n_buckets, self.table.combine)
        doc.metadata["quality_score"] = score
        min_score, _ = self.thresholds.for_language(language)
        cutoffs = [c for c in (min_score, buckets.keep_min_score) if c is not None]
        if cutoffs and score < max(cutoffs):
            return False, REASON
        return True
