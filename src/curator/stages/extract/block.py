"""extract: WARC HTML → main text.

Engines (quality and speed on html-gold: docs/extraction.md): `hybrid` (default: `fast`, plus
trafilatura on the few pages where it keeps little text: trafilatura's F1 at ~5.5x its speed);
`trafilatura` (datatrove's engine, slowest); `fast` (resiliparse + structural boilerplate
cleaning, never trafilatura); `resiliparse` (main-content heuristics only: fastest, keeps boilerplate).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveInt

from curator.stages.base import Block, BlockParams, DocPhase, Problem


class ExtractParams(BlockParams):
    engine: Literal["trafilatura", "hybrid", "fast", "resiliparse"] = Field(
        "hybrid",
        description="hybrid (default: fast + trafilatura on thin pages; trafilatura's F1 on html-gold at "
        "~6-9x its speed, docs/extraction.md), trafilatura (datatrove's engine), "
        "fast (resiliparse + block cleaning), resiliparse (fastest, keeps boilerplate)",
    )
    timeout: NonNegativeFloat = Field(
        5.0, description="seconds per document before it is skipped (extract:timeout); 0: no limit"
    )
    max_html_bytes: PositiveInt = Field(5_000_000, description="larger pages are skipped (extract:too_large)")
    fast: bool = Field(
        False, description="trafilatura: skip the fallback extractors (faster, slightly lower recall)"
    )
    speedups: bool = Field(
        True,
        description="trafilatura, hybrid: same-output speed-ups of trafilatura's internals (pruning "
        "XPaths in Python, element classes looked up in C; ~2.4x faster); false: stock trafilatura",
    )
    ruby_readings: bool = Field(
        False,
        description="ruby annotations (furigana, pinyin): false writes the base text only (子ども); "
        "true adds each reading in parentheses after its base (子(こ)ども)",
    )
    write_removed: bool = Field(False, description="write pages without text to OUTPUT/removed/extract/")


class ExtractBlock(Block):
    name = "extract"
    Params = ExtractParams

    def check(self) -> list[Problem]:
        from curator.stages.extract.engines import check_engine

        problems = []
        problem = check_engine(self.params.engine)
        if problem:
            problems.append(Problem("engine", problem))
        if self.params.fast and self.params.engine != "trafilatura":
            problems.append(
                Problem("fast", f"applies to engine trafilatura only, not {self.params.engine!r}: remove it")
            )
        if not self.params.speedups and self.params.engine not in ("trafilatura", "hybrid"):
            problems.append(
                Problem(
                    "speedups",
                    f"applies to engines trafilatura and hybrid only, not {self.params.engine!r}: remove it",
                )
            )
        return problems

    def phases(self):
        from curator.stages.extract.step import HtmlExtractor

        p = self.params
        if self.ctx.config.input.format not in ("warc",):
            return []  # WET/Parquet/JSONL already hold text
        options = {"ruby_readings": p.ruby_readings} if p.ruby_readings else {}
        if p.engine in ("trafilatura", "hybrid"):
            options["speedups"] = p.speedups
        if p.engine == "trafilatura":
            options["fast"] = p.fast
        writer = self.ctx.exclusion_writer() if p.write_removed else None
        return [DocPhase([HtmlExtractor(p.engine, options, p.timeout, p.max_html_bytes, writer)])]
