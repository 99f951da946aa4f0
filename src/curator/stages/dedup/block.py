"""dedup: exact + MinHash near-duplicate removal, keeping one document per cluster.

Phases (see curator.stages.dedup): keys (in the document job before) -> buckets (one task per band and
hash range) -> clusters (one task, or sharded over `cluster_tasks` tasks and chained rounds: shards.py)
-> filter (in the next document job). Kept documents get
`minhash_cluster_size`; removed ones go to OUTPUT/removed/<stage>/ with `reason`
(exact_duplicate / minhash_duplicate) and `duplicate_of` (the kept document's id).
"""

from __future__ import annotations

import glob
import math
import os
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveInt

from curator.stages.base import Block, DocPhase, GlobalPhase, Problem, ProfilesParams

# Predicting match pairs from the input size before anything has run (docs/slurm.md "Running at scale"):
# ~33 KB of gzipped WARC per HTML page (Common Crawl: ~1 GB per ~30,000 pages, with their request
# and metadata records), half the pages reach dedup, 30% of those duplicate one before, ~10 pairs each.
WARC_BYTES_PER_PAGE = 33_000
PAIRS_PER_PAGE = 0.5 * 0.3 * 10
# pairs one sharded task takes (measured ~40 B per pair in the local job, scripts/bench/scale_dedup.py):
# ~2 GB per task, the default Slurm memory of a task
PAIRS_PER_CLUSTER_TASK = 5e7


def predicted_cluster_tasks(input_bytes: int) -> int:
    """Clusters tasks for an input of `input_bytes`: 1 (the single-task phase) up to ~1 TB of WARC."""
    pairs = input_bytes / WARC_BYTES_PER_PAGE * PAIRS_PER_PAGE
    return max(1, math.ceil(pairs / PAIRS_PER_CLUSTER_TASK))


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
        "local, rounds, finish, labels, decide jobs of this many tasks, identical result). Default: from the "
        f"input size, one task per {PAIRS_PER_CLUSTER_TASK:.0e} predicted match pairs",
    )
    cluster_rounds: NonNegativeInt = Field(
        4, description="large-star/small-star rounds of the sharded clusters phase (more: smaller residual)"
    )
    write_removed: bool = Field(True, description="write removed duplicates to OUTPUT/removed/<stage>/")


class DedupBlock(Block):
    name = "dedup"
    Params = DedupParams
    columns = ("minhash_cluster_size",)

    def check(self) -> list[Problem]:
        p = self.params
        problems = []
        if not (p.exact or p.minhash):
            problems.append(Problem("", "set exact and/or minhash to true (both are false: nothing to do)"))
        return problems + self.profiles_problems()

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
        keys = DedupSignatures(stage_dir, scheme, p.n_grams, p.scope, p.exact, p.minhash, self.profiles_dir())
        writer = self.ctx.exclusion_writer() if p.write_removed else None
        return [
            DocPhase([keys]),
            GlobalPhase(
                "buckets",
                lambda _documents: [DedupBuckets(stage_dir, bands, p.bucket_splits)],
                tasks=min(p.bucket_tasks or units, units),
            ),
            *self.cluster_phases(stage_dir),
            DocPhase([DedupFilter(stage_dir, writer)]),
        ]

    def cluster_tasks(self) -> int:
        if self.params.cluster_tasks:
            return self.params.cluster_tasks
        size = 0
        for pattern in self.ctx.config.input.paths:
            for path in glob.glob(str(self.ctx.resolve(pattern)), recursive=True):
                if os.path.isfile(path):
                    size += os.path.getsize(path)
        return predicted_cluster_tasks(size)

    def cluster_phases(self, stage_dir: str) -> list[GlobalPhase]:
        """One task: DedupClusters. N tasks: the sharded jobs (shards.py), each a barrier of N tasks."""
        from curator.stages.dedup.clusters import DedupClusters
        from curator.stages.dedup.shards import ShardedClusters

        n, rounds = self.cluster_tasks(), self.params.cluster_rounds
        if n == 1:
            return [GlobalPhase("clusters", lambda _documents: [DedupClusters(stage_dir)], tasks=1)]

        def phase(name: str, step: str, index: int = 0) -> GlobalPhase:
            return GlobalPhase(
                name, lambda _documents: [ShardedClusters(stage_dir, step, n, rounds, index)], tasks=n
            )

        return [
            phase("clusters", "local"),
            *(phase(f"clusters-round{k}", "round", k) for k in range(1, rounds + 1)),
            phase("clusters-finish", "finish"),
            phase("clusters-labels", "labels"),
            phase("clusters-decide", "decide"),
        ]
