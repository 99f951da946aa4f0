"""rebalance: how many times each final document appears in the training mix (OUTPUT/mix/, OUTPUT/mix.json).

Rehydration by duplicate-cluster size (FineWeb2; fixed table or data-driven from the filters'
removal rates), optional quality scaling, then language mixing (natural, explicit weights or
temperature) under a hard cap on repetitions and per-language token budgets. See docs/rebalance.md.
"""

from __future__ import annotations

from curator.stages.base import Block, GlobalPhase, Problem, unique_stage_names
from curator.stages.rebalance.params import RebalanceParams

DEDUP_BLOCK = "dedup"


class RebalanceBlock(Block):
    name = "rebalance"
    Params = RebalanceParams
    columns = ("repetitions",)

    def _stage_names(self) -> list[str]:
        return unique_stage_names(self.ctx.config)

    def _removal_problems(self) -> list[Problem]:
        """Data-driven rehydration reads cluster sizes of removed documents: check the stage order now."""
        names = self._stage_names()
        stages = self.ctx.config.stages
        problems = []
        for removal in self.params.rehydration.removal_stages:
            if removal not in names[: self.ctx.stage_index]:
                problems.append(
                    Problem(
                        "rehydration.removal_stages",
                        (
                            f"no stage '{removal}' before rebalance (stages: {', '.join(names)}); name the stage "
                            "whose removed documents give the removal rates, or use rehydration.mode: table"
                        ),
                    )
                )
                continue
            index = names.index(removal)
            if not any(s.name == DEDUP_BLOCK for s in stages[:index]):
                problems.append(
                    Problem(
                        "rehydration.mode",
                        (
                            f"data-driven rehydration needs dedup before filters: no dedup stage before '{removal}'. "
                            f"Move dedup before '{removal}' (FineWeb2 order: lid, dedup, filters) or use mode: table"
                        ),
                    )
                )
            if getattr(stages[index].params, "write_removed", True) is False:
                problems.append(
                    Problem(
                        "rehydration.mode",
                        (
                            f"data-driven rehydration reads OUTPUT/removed/{removal}/: set write_removed: true "
                            f"on stage '{removal}', or use mode: table"
                        ),
                    )
                )
        return problems

    def check(self) -> list[Problem]:
        problems = []
        later = self._stage_names()[self.ctx.stage_index + 1 :]
        if later:
            problems.append(
                Problem(
                    "",
                    (
                        f"rebalance must be the last stage: the mix is made from the documents before it, so "
                        f"{', '.join(later)} would not change it; move rebalance to the end of `stages`"
                    ),
                )
            )
        if self.params.rehydration.mode == "removal_rate":
            problems += self._removal_problems()
        return problems

    def _removed_dirs(self) -> tuple[list, list]:
        """Removed-document folders: of the removal stages, and of later stages (filter survivors)."""
        layout = self.ctx.layout
        removal = self.params.rehydration.removal_stages
        names = self._stage_names()[: self.ctx.stage_index]
        first = min((names.index(r) for r in removal if r in names), default=len(names))
        survivors = [n for n in names[first + 1 :] if n not in removal]
        return [layout.removed(r) for r in removal], [layout.removed(n) for n in survivors]

    def _write_steps(self, documents_dir, plan_path, counts_dir) -> list:
        from curator.core.stage_counter import StageCounter
        from curator.core.writer import ParquetDocWriter
        from curator.stages.rebalance.steps import CopiesExpander, DocumentFolderReader, RepetitionAssigner

        stage = self.ctx.stage
        return [
            DocumentFolderReader(documents_dir),
            StageCounter(stage, "in"),
            RepetitionAssigner(plan_path, counts_dir),
            StageCounter(stage, "out"),
            *([CopiesExpander()] if self.params.materialize else []),
            ParquetDocWriter(self.ctx.layout.mix, filename="{language}/{rank:05d}.parquet"),
        ]

    def phases(self):
        from curator.stages.rebalance.steps import MixSummarizer, RebalancePlanner

        p = self.params
        plan_path = self.ctx.stage_dir / "plan.json"
        counts_dir = self.ctx.stage_dir / "counts"
        mix_json = self.ctx.layout.mix_json
        write_tasks = p.write_tasks or self.ctx.config.executor.tasks
        removed_dirs, survivor_dirs = (
            self._removed_dirs() if p.rehydration.mode == "removal_rate" else ([], [])
        )
        return [
            GlobalPhase(
                "plan", lambda docs: [RebalancePlanner(p, docs, plan_path, removed_dirs, survivor_dirs)]
            ),
            GlobalPhase(
                "write", lambda docs: self._write_steps(docs, plan_path, counts_dir), tasks=write_tasks
            ),
            GlobalPhase(
                "summary", lambda docs: [MixSummarizer(plan_path, counts_dir, write_tasks, mix_json)]
            ),
        ]
