"""Step 0 of the quality block when `fluency` is set: the fluency score of every document, and
(with `keep_clean_fraction`) the removal of documents less fluent than that share of the
language's clean text.

It runs before the classifiers score, so the ensemble ranks only what it keeps, and the scorer
writes the fluency score into the side file with the classifiers' (as one more ensemble member).
A document whose language has no model, or without a word, gets no score (None), is kept, and is
counted: `fluency_no_model/<language>` or `fluency_no_tokens/<language>` in stats/quality.json
(metrics); one scored by a related language's model, `fluency_related_model/<language>:<model>`.
"""

from __future__ import annotations

from datatrove.data import Document

from curator.core.accounting import metric_key
from curator.core.docio import doc_language
from curator.core.filter_base import CuratorFilter
from curator.stages.quality.fluency import FLUENCY, FluencyModels
from curator.stages.quality.scorer import score_column

REASON = "quality:not_fluent"


class FluencyFilter(CuratorFilter):
    name = "⭐ fluency (n-gram LM)"

    def __init__(
        self, models: FluencyModels, keep_clean_fraction: float | None = None, exclusion_writer=None
    ):
        super().__init__(exclusion_writer=exclusion_writer)
        self.models = models
        self.keep_clean_fraction = keep_clean_fraction
        self._min_scores: dict[str, float | None] = {}

    def min_score(self, language: str) -> float | None:
        if language not in self._min_scores:
            value = None
            if self.keep_clean_fraction is not None and self.models.model(language) is not None:
                value = self.models.min_score(language, self.keep_clean_fraction)
                if value is None:
                    self.stat_update(metric_key("fluency_no_calibration", language))
            self._min_scores[language] = value
        return self._min_scores[language]

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        language = doc_language(doc)
        model = self.models.model(language)
        if model is None:
            doc.metadata[score_column(FLUENCY)] = None
            self.stat_update(metric_key("fluency_no_model", language))
            return True
        used = self.models.resolve(language)
        if used != language:
            self.stat_update(metric_key("fluency_related_model", f"{language}:{used}"))
        score = model.score(doc.text)
        doc.metadata[score_column(FLUENCY)] = score
        if score is None:
            self.stat_update(metric_key("fluency_no_tokens", language))
            return True
        self.stat_update("fluency_scored")
        threshold = self.min_score(language)
        if threshold is not None and score < threshold:
            return False, REASON
        return True
