"""filters: formatters, URL blocklists and the FineWeb2 heuristic filters with per-language thresholds.

Thresholds come from each document's language profile (lang_profiles/<language>.yaml); `disable`
and `overrides` change them for every language, e.g. to switch one rule off in an experiment.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from curator.stages.base import Block, BlockParams, DocPhase, Problem, ProfilesParams


class FormattersParams(BlockParams):
    ftfy: bool = Field(
        True, description="repair mojibake and control characters (ftfy, datatrove's settings)"
    )
    symbol_lines: bool = Field(True, description="drop lines made only of symbols/punctuation")
    pii: bool = Field(False, description="replace e-mail addresses and public IP addresses with placeholders")


class FiltersParams(ProfilesParams):
    url_filter: bool = Field(
        True, description="remove documents whose URL is blocklisted (datatrove's lists)"
    )
    formatters: FormattersParams = Field(
        default_factory=FormattersParams, description="applied before filtering"
    )
    disable: list[str] = Field(
        default_factory=list,
        description="rules (profile threshold names, e.g. dup_line_frac, min_stop_words) or families "
        "(gopher_repetition, fineweb_quality, gopher_quality) to switch off",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="threshold: value applied over every language profile, e.g. {min_doc_words: 30}",
    )
    write_removed: bool = Field(True, description="write removed documents to OUTPUT/removed/<stage>/")


class FiltersBlock(Block):
    name = "filters"
    Params = FiltersParams

    def check(self) -> list[Problem]:
        from curator.stages.filters.checks import filter_problems

        if dir_problems := self.profiles_problems():
            return dir_problems
        return [Problem(key, message) for key, message in filter_problems(self.params, self.profiles_dir())]

    def phases(self):
        from datatrove.pipeline.formatters import FTFYFormatter, PIIFormatter, SymbolLinesFormatter

        from curator.stages.filters.fused import FusedHeuristicFilter
        from curator.stages.filters.url import UrlFilter

        p = self.params
        steps = []
        if p.formatters.ftfy:
            steps.append(FTFYFormatter())
        if p.formatters.symbol_lines:
            steps.append(SymbolLinesFormatter())
        if p.formatters.pii:
            steps.append(PIIFormatter())
        if p.url_filter:
            steps.append(
                UrlFilter(exclusion_writer=self.ctx.exclusion_writer("url") if p.write_removed else None)
            )
        writer = self.ctx.exclusion_writer("heuristics") if p.write_removed else None
        steps.append(
            FusedHeuristicFilter(self.profiles_dir(), p.disable, p.overrides, exclusion_writer=writer)
        )
        return [DocPhase(steps)]
