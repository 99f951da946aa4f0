"""dedup: exact + MinHash near-duplicate removal, keeping one document per cluster.

Phases (see curator.stages.dedup): keys (in the document job before) -> buckets (one task per band and
hash range) -> clusters (one task, or sharded over `cluster_tasks` tasks and chained rounds: shards.py)
-> filter (in the next document job). Kept documents get
`minhash_cluster_size`; removed ones go to OUTPUT/removed/<stage>/ with `reason`
(exact_duplicate / minhash_duplicate) and `duplicate_of` (the kept document's id).
"""

from __future__ import annotations

import glob
import json
import os
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveInt

from curator.core.estimates import PhaseCost, Workload, default_docs, input_pages
from curator.core.paths import RunLayout
from curator.stages.base import Block, DocPhase, GlobalPhase, Problem, ProfilesParams
from curator.stages.dedup import estimates
from curator.stages.dedup.files import AGAINST_RANK_BITS, OWN_RANK_BASE, DedupFiles


class DedupParams(ProfilesParams):
    scope: Literal["global", "per_dump"] = Field(
        "global", description="global: across all inputs; per_dump: only within each dump (`dump` column)"
    )
    exact: bool = Field(True, description="remove documents whose whitespace-normalised text is identical")
    minhash: bool = Field(True, description="remove near-duplicates found by MinHash LSH")
    n_grams: PositiveInt = Field(5, description="words per shingle (language's word tokenizer)")
    bands: PositiveInt = Field(14, description="MinHash bands (FineWeb2: 14)")
    rows: PositiveInt = Field(8, description="hashes per band (FineWeb2: 8); match if one band is equal")
    seed: int = Field(1, description="seed of the MinHash permutations (datatrove's default: 1)")
    bucket_splits: PositiveInt = Field(
        1, description="hash ranges per band in the buckets phase: more = less memory per task, more tasks"
    )
    bucket_tasks: PositiveInt | None = Field(
        None, description="tasks of the buckets phase (default: one per band and hash range)"
    )
    cluster_tasks: PositiveInt | None = Field(
        None,
        description="tasks of the clusters phase (1: one task holding every match pair; more: sharded into "
        "local, rounds, finish, labels, decide jobs of this many tasks, identical result). Default: the "
        "fewest tasks whose predicted memory (from the input size, `curator plan`) fits in the Slurm "
        "memory of a task (executor.slurm mem_per_cpu_gb x cpus_per_task)",
    )
    cluster_rounds: NonNegativeInt = Field(
        4, description="large-star/small-star rounds of the sharded clusters phase (more: smaller residual)"
    )
    write_removed: bool = Field(True, description="write removed duplicates to OUTPUT/removed/<stage>/")
    against: list[str] = Field(
        default_factory=list,
        description="earlier runs' output folders (oldest first): remove what they already hold, read from "
        "their dedup index (never their documents, never rewritten); their documents count as earlier than "
        "every document of this run. Same dedup settings required",
    )


class DedupBlock(Block):
    name = "dedup"
    Params = DedupParams
    columns = ("minhash_cluster_size",)

    def check(self) -> list[Problem]:
        p = self.params
        problems = []
        if not (p.exact or p.minhash):
            problems.append(Problem("", "set exact and/or minhash to true (both are false: nothing to do)"))
        return problems + self.against_problems() + self.profiles_problems()

    # the params that make two runs' keys comparable
    _INDEX_PARAMS = ("scope", "exact", "minhash", "n_grams", "bands", "rows", "seed")

    def against_dirs(self) -> list[str]:
        """The dedup folder (OUTPUT/stages/dedup) of each `against` run."""
        return [str(RunLayout(self.ctx.resolve(out)).stage("dedup")) for out in self.params.against]

    def against_problems(self) -> list[Problem]:
        """Each earlier run is finished, has a dedup stage and the same key settings."""
        problems = []
        if len(self.params.against) > OWN_RANK_BASE >> AGAINST_RANK_BITS:
            problems.append(Problem("against", f"at most {OWN_RANK_BASE >> AGAINST_RANK_BITS} earlier runs"))
        for i, output in enumerate(self.params.against):
            key = f"against[{i}]"
            layout = RunLayout(self.ctx.resolve(output))
            if not layout.run_json.is_file():
                problems.append(
                    Problem(key, f"{layout.root}: no run.json; give an earlier curator run's output")
                )
                continue
            record = json.loads(layout.run_json.read_text())
            if record.get("status") != "done":
                problems.append(
                    Problem(key, f"{layout.root}: its run is '{record.get('status')}'; finish it first")
                )
                continue
            earlier = [s.get("params") or {} for s in record["config"]["stages"] if s.get("block") == "dedup"]
            if not earlier:
                problems.append(Problem(key, f"{layout.root}: its run has no dedup stage"))
                continue
            mine = self.params.model_dump()
            differ = [k for k in self._INDEX_PARAMS if earlier[0].get(k) != mine[k]]
            if differ:
                shown = ", ".join(f"{k}: {earlier[0].get(k)!r} there, {mine[k]!r} here" for k in differ)
                problems.append(
                    Problem(key, f"{layout.root} was deduplicated with other key settings ({shown})")
                )
            ranks = DedupFiles(layout.stage("dedup")).document_ranks()
            if ranks and ranks[-1] >= 1 << AGAINST_RANK_BITS:
                problems.append(Problem(key, f"{layout.root}: more than {1 << AGAINST_RANK_BITS} tasks"))
        return problems

    def phases(self):
        from curator.stages.dedup.buckets import DedupBuckets
        from curator.stages.dedup.files import band_names
        from curator.stages.dedup.filter import DedupFilter
        from curator.stages.dedup.minhash import MinhashScheme
        from curator.stages.dedup.signer import DedupSignatures

        p = self.params
        stage_dir = str(self.ctx.stage_dir)
        scheme = MinhashScheme(bands=p.bands, rows=p.rows, seed=p.seed)
        bands = band_names(p.bands, p.exact, p.minhash)
        units = len(bands) * p.bucket_splits
        against = self.against_dirs()
        keys = DedupSignatures(
            stage_dir,
            scheme,
            p.n_grams,
            p.scope,
            p.exact,
            p.minhash,
            self.profiles_dir(),
            against=against,
            exclusion_writer=self.ctx.exclusion_writer("keys") if p.write_removed else None,
        )
        writer = self.ctx.exclusion_writer() if p.write_removed else None
        return [
            DocPhase([keys]),
            GlobalPhase(
                "buckets",
                lambda _documents: [DedupBuckets(stage_dir, bands, p.bucket_splits, against)],
                tasks=min(p.bucket_tasks or units, units),
            ),
            *self.cluster_phases(stage_dir, against),
            DocPhase([DedupFilter(stage_dir, writer)]),
        ]

    def cluster_tasks(self) -> int:
        """`cluster_tasks`, else the fewest tasks whose predicted peak (stages/dedup/estimates.py) fits
        the memory a Slurm task asks for: `curator plan`'s prediction from the input's size and the
        default rates (`curator plan --from PILOT` shows the measured ones; set `cluster_tasks` from it)."""
        if self.params.cluster_tasks:
            return self.params.cluster_tasks
        config = self.ctx.config
        size = 0
        for pattern in config.input.paths:
            for path in glob.glob(str(self.ctx.resolve(pattern)), recursive=True):
                if os.path.isfile(path):
                    size += os.path.getsize(path)
        before = [stage.name for stage in config.stages[: self.ctx.stage_index]]
        docs = default_docs(input_pages(size, config.input.format), before)
        slurm = config.executor.slurm
        return estimates.cluster_tasks_for(
            estimates.PAIRS_PER_DOC * docs, slurm.mem_per_cpu_gb * slurm.cpus_per_task * 1024
        )

    def costs(self, work: Workload) -> list[PhaseCost]:
        p = self.params
        bands = (1 if p.exact else 0) + (p.bands if p.minhash else 0)
        return estimates.dedup_costs(work, bands, p.bucket_splits, self.cluster_tasks(), p.cluster_rounds)

    def cluster_phases(self, stage_dir: str, against: list[str]) -> list[GlobalPhase]:
        """One task: DedupClusters. N tasks: the sharded jobs (shards.py), each a barrier of N tasks."""
        from curator.stages.dedup.clusters import DedupClusters
        from curator.stages.dedup.shards import ShardedClusters

        n, rounds = self.cluster_tasks(), self.params.cluster_rounds
        if n == 1:
            return [GlobalPhase("clusters", lambda _documents: [DedupClusters(stage_dir, against)], tasks=1)]

        def phase(name: str, step: str, index: int = 0) -> GlobalPhase:
            return GlobalPhase(
                name,
                lambda _documents: [ShardedClusters(stage_dir, step, n, rounds, index, against)],
                tasks=n,
            )

        return [
            phase("clusters", "local"),
            *(phase(f"clusters-round{k}", "round", k) for k in range(1, rounds + 1)),
            phase("clusters-finish", "finish"),
            phase("clusters-labels", "labels"),
            phase("clusters-decide", "decide"),
        ]
