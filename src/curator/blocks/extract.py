"""extract: WARC HTML → main text (trafilatura by default; resiliparse as the fast option)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt

from curator.blocks.base import Block, BlockParams, DocPhase, Problem


class ExtractParams(BlockParams):
    engine: Literal["trafilatura", "resiliparse"] = "trafilatura"
    timeout: PositiveFloat = Field(5.0, description="seconds per document before it is skipped (extract:timeout)")
    max_html_bytes: PositiveInt = Field(5_000_000, description="larger pages are skipped (extract:too_large)")
    fast: bool = Field(False, description="trafilatura: skip the fallback extractors (faster, slightly lower recall)")
    write_removed: bool = Field(False, description="write pages without text to OUTPUT/removed/extract/")


class ExtractBlock(Block):
    name = "extract"
    Params = ExtractParams

    def check(self) -> list[Problem]:
        from curator.extract.engines import check_engine

        problem = check_engine(self.params.engine)
        return [Problem("engine", problem)] if problem else []

    def phases(self):
        from curator.steps.extractor import HtmlExtractor

        p = self.params
        if self.ctx.config.input.format not in ("warc",):
            return []  # WET/Parquet/JSONL already hold text
        options = {"fast": p.fast} if p.engine == "trafilatura" else {}
        writer = self.ctx.removed_writer() if p.write_removed else None
        return [DocPhase([HtmlExtractor(p.engine, options, p.timeout, p.max_html_bytes, writer)])]
