"""dedup: exact + MinHash near-duplicate removal, keeping one document per cluster.

Phases (see curator.stages.dedup): keys (in the document job before) -> buckets (one task per band and
hash range) -> clusters (one task) -> filter (in the next document job). Kept documents get
`minhash_cluster_size`; removed ones go to OUTPUT/removed/<stage>/ with `reason`
(exact_duplicate / minhash_duplicate) and `duplicate_of` (the kept document's id).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt

from curator.stages.base import Block, DocPhase, GlobalPhase, Problem, ProfilesParams


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
        from curator.stages.dedup.clusters import DedupClusters
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
            GlobalPhase("clusters", lambda _documents: [DedupClusters(stage_dir)], tasks=1),
            DocPhase([DedupFilter(stage_dir, writer)]),
        ]
