"""The LID step: label every document, remove those below their language's threshold or not allowed."""

from __future__ import annotations

from datatrove.data import Document

from curator.core.accounting import metric_key
from curator.core.filter_base import CuratorFilter
from curator.core.names import is_language_label
from curator.stages.lid.engines import UNDETERMINED, LidEngine, make_engine
from curator.stages.lid.heli import Arbiter
from curator.stages.lid.page import identify_page
from curator.text.labels import same_language
from curator.text.profiles import load_profile


def allowed(language: str, allow_list: list[str]) -> bool:
    """An entry `deu_Latn` allows that label; `deu` (or a macrolanguage, `msa`) any script of it."""
    for entry in allow_list:
        code, _, script = entry.partition("_")
        if same_language(code, language) and (not script or language.endswith("_" + script)):
            return True
    return False


class LanguageIdFilter(CuratorFilter):
    """Writes `language`, `language_score`, `lid_top3`, `lid_mix` on every document, then keeps it or not.

    Removal reasons: `lid:low_score` (score below the profile's `language_score` of the detected
    language), `lid:not_allowed` (outside the `languages` allow-list).
    """

    name = "🌐 language id"

    def __init__(
        self,
        engine: str = "ensemble",
        model: str | None = None,
        languages: list[str] | None = None,
        profiles: str | None = None,
        main_share: float = 0.5,
        exclusion_writer=None,
        voters: list[str] | None = None,
        arbiter: str | None = None,
    ):
        super().__init__(exclusion_writer=exclusion_writer)
        self.engine_name = engine
        self.model = model
        self.languages = languages
        self.profiles = profiles
        self.main_share = main_share
        self.voters = voters
        self.arbiter_path = arbiter
        self._engine: LidEngine | None = None
        self._arbiter: Arbiter | None = None

    @property
    def engine(self) -> LidEngine:
        """Loaded on first use, in the worker process."""
        if self._engine is None:
            self._engine = make_engine(self.engine_name, self.model, self.voters)
        return self._engine

    @property
    def arbiter(self) -> Arbiter | None:
        """The HeLI arbiter for close neighbours (lid: {arbiter: PATH}), loaded on first use; None if off."""
        if self._arbiter is None and self.arbiter_path:
            self._arbiter = Arbiter(self.arbiter_path)
        return self._arbiter

    def __getstate__(self):  # models are not pickled to workers
        return {**self.__dict__, "_engine": None, "_arbiter": None}

    def label(self, doc: Document) -> None:
        """language, language_score (content share x segment confidence, page.py), lid_top3, lid_mix."""
        with self.track_time():
            page = identify_page(self.engine, doc.text, self.main_share, 3, arbiter=self.arbiter)
        language, score = page.prediction[0]
        if not is_language_label(language):  # a model's code outside the label tables: never a folder name
            language, score = UNDETERMINED, 0.0
        doc.metadata["language"] = language
        doc.metadata["language_score"] = round(float(score), 4)
        doc.metadata["lid_top3"] = [
            {"label": label, "score": round(float(s), 4)} for label, s in page.prediction
        ]
        doc.metadata["lid_mix"] = [{"label": label, "share": round(float(s), 4)} for label, s in page.mix]
        if page.verdict is not None:  # counted so a run shows how often the arbiter ran and overruled
            self.stat_update("arbiter_consulted")
            if page.verdict.label != page.verdict.ensemble_label:
                self.stat_update(
                    metric_key("arbiter_changed", f"{page.verdict.ensemble_label}->{page.verdict.label}")
                )

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        self.label(doc)
        language = doc.metadata["language"]
        if self.languages is not None and not allowed(language, self.languages):
            return False, "lid:not_allowed"
        threshold = load_profile(language, self.profiles).language_score
        if language == UNDETERMINED or doc.metadata["language_score"] < threshold:
            return False, "lid:low_score"
        return True
