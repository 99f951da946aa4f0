"""The LID step: label every document, remove those below their language's threshold or not allowed."""

from __future__ import annotations

from datatrove.data import Document

from curator.core.filter_base import CuratorFilter
from curator.core.names import is_language_label
from curator.core.profiles import load_profile
from curator.stages.lid.engines import UNDETERMINED, LidEngine, lid_input, make_engine
from curator.text.labels import same_language


def allowed(language: str, allow_list: list[str]) -> bool:
    """An entry `deu_Latn` allows that label; `deu` (or a macrolanguage, `msa`) any script of it."""
    for entry in allow_list:
        code, _, script = entry.partition("_")
        if same_language(code, language) and (not script or language.endswith("_" + script)):
            return True
    return False


class LanguageIdFilter(CuratorFilter):
    """Writes `language`, `language_score`, `lid_top3` on every document, then keeps it or not.

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
    ):
        super().__init__(exclusion_writer=exclusion_writer)
        self.engine_name = engine
        self.model = model
        self.languages = languages
        self.profiles = profiles
        self.main_share = main_share
        self.voters = voters
        self._engine: LidEngine | None = None

    @property
    def engine(self) -> LidEngine:
        """Loaded on first use, in the worker process."""
        if self._engine is None:
            self._engine = make_engine(self.engine_name, self.model, self.voters)
        return self._engine

    def __getstate__(self):  # models are not pickled to workers
        return {**self.__dict__, "_engine": None}

    def label(self, doc: Document) -> None:
        with self.track_time():
            top = self.engine.predict(lid_input(doc.text, self.main_share), 3)
        language, score = top[0]
        if not is_language_label(language):  # a model's code outside the label tables: never a folder name
            language, score = UNDETERMINED, 0.0
        doc.metadata["language"] = language
        doc.metadata["language_score"] = round(float(score), 4)
        doc.metadata["lid_top3"] = [{"label": label, "score": round(float(s), 4)} for label, s in top]

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        self.label(doc)
        language = doc.metadata["language"]
        if self.languages is not None and not allowed(language, self.languages):
            return False, "lid:not_allowed"
        threshold = load_profile(language, self.profiles).language_score
        if language == UNDETERMINED or doc.metadata["language_score"] < threshold:
            return False, "lid:low_score"
        return True
