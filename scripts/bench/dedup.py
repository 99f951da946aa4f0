"""Dedup speed vs datatrove 0.10.1 (and datasketch), all measured in this run on the same input.

Documents: 200 words each, drawn from the word frequencies of real articles
(../shared/data/html-gold/scrapinghub), 10% of them near-duplicates of another (3 words edited).

1. signatures (CPU seconds, in alternating slices): curator's DedupSignatures step vs datatrove's
   MinhashDedupSignature step (both whole steps, one process, writing their files) and vs
   datasketch's per-document MinHash.update loop over the same shingles (datatrove's normalisation
   and tokenizer). Signatures are checked bit-identical
   to datatrove's, so the Jaccard estimates are the same.
2. whole stage: curator's 4 phases vs datatrove's 4 MinHash stages, LocalPipelineExecutor with the
   same tasks and workers, Parquet in and out; the duplicate clusters and removed counts are compared.
3. clustering: DedupClusters vs datatrove's MinhashDedupCluster (union-find) on synthetic bucket
   matches, each in its own process (peak RSS); the clusters are compared.

    .venv/bin/python scripts/bench/dedup.py                 # ~5k docs, 10M matches (a few minutes)
    .venv/bin/python scripts/bench/dedup.py --docs 100000   # the issue's 100k-document size
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: scripts.devtools
from scripts.devtools.measure import cpu_seconds, current_rss_mb, peak_rss_mb, timed_cpu  # noqa: E402
from scripts.devtools.shared import shared_data  # noqa: E402

ARTICLES = shared_data("html-gold", "scrapinghub", "ground-truth.json")
LANGUAGE = "eng_Latn"


# ---------------------------------------------------------------- input
def make_documents(n_docs: int, words: int = 200, dup_fraction: float = 0.1, seed: int = 0):
    from datatrove.data import Document

    vocabulary = [w for v in json.loads(ARTICLES.read_text()).values() for w in v["articleBody"].split()]
    rng = random.Random(seed)
    n_unique = int(n_docs * (1 - dup_fraction))
    texts = [" ".join(rng.choices(vocabulary, k=words)) for _ in range(n_unique)]
    for _ in range(n_docs - n_unique):
        copy = texts[rng.randrange(n_unique)].split()
        for i in rng.sample(range(words), 3):
            copy[i] = rng.choice(vocabulary)
        texts.append(" ".join(copy))
    rng.shuffle(texts)
    return [Document(text=t, id=f"doc-{i}", metadata={"language": LANGUAGE}) for i, t in enumerate(texts)]


def write_parquet(docs, folder: Path, tasks: int) -> None:
    from curator.core.writer import ParquetDocWriter

    for rank in range(tasks):
        with ParquetDocWriter(folder) as writer:
            for doc in docs[rank::tasks]:
                writer.write(doc, rank)


# ---------------------------------------------------------------- 1. signatures
def bench_signatures(docs, work: Path, rounds: int = 5) -> dict:
    """CPU seconds of each method (the machine may be shared: CPU time is steadier than wall time),
    measured in `rounds` alternating slices of the documents so load changes hit all alike."""
    import xxhash
    from datasketch import MinHash
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature

    from curator.stages.dedup.minhash import MinhashScheme
    from curator.stages.dedup.signer import DedupSignatures

    scheme = MinhashScheme()
    a, b = scheme.permutations
    reference = MinhashDedupSignature(str(work / "dt-sigs"), config=MinhashConfig(), language=LANGUAGE)
    ours = DedupSignatures(str(work / "our-sigs"), scheme, exact=False)
    reference.get_shingles("warm up the tokenizer")  # both use this (cached) tokenizer object

    def datasketch_loop(batch) -> float:
        update_only = 0.0
        for doc in batch:
            tokens = reference.word_tokenizer.word_tokenize(_simplify(doc.text))
            start = cpu_seconds(children=False)
            m = MinHash(
                scheme="legacy",
                hashfunc=xxhash.xxh64_intdigest,
                permutations=(a, b),
                hashvalues=np.full(scheme.num_hashes, np.iinfo(np.uint64).max, dtype=np.uint64),
            )
            for i in range(len(tokens) - 4):
                m.update(" ".join(tokens[i : i + 5]))
            update_only += cpu_seconds(children=False) - start
        return update_only

    t = {"curator": 0.0, "datatrove": 0.0, "datasketch": 0.0, "update_only": 0.0}
    for r in range(rounds):
        batch = docs[r::rounds]
        start = cpu_seconds(children=False)
        for _ in ours.run(iter(batch), rank=r):
            pass
        t["curator"] += cpu_seconds(children=False) - start
        start = cpu_seconds(children=False)
        for _ in reference.run(iter(batch), rank=r) or []:
            pass
        t["datatrove"] += cpu_seconds(children=False) - start
        start = cpu_seconds(children=False)
        t["update_only"] += datasketch_loop(batch)
        t["datasketch"] += cpu_seconds(children=False) - start

    # bit-identical signatures: the same band values as datatrove's
    from curator.stages.dedup.minhash import signatures
    from curator.stages.dedup.shingles import Shingler

    sample = docs[:300]
    mine = signatures([Shingler(LANGUAGE).hashes(d.text) for d in sample], scheme)
    theirs = np.array([np.ravel(reference.get_signature(reference.get_shingles(d.text))) for d in sample])
    return {
        "docs": len(docs),
        "curator_s": t["curator"],
        "datatrove_s": t["datatrove"],
        "datasketch_s": t["datasketch"],
        "datasketch_update_loop_only_s": t["update_only"],
        "identical_signatures": bool((mine == theirs).all()),
    }


def _simplify(text: str) -> str:
    from datatrove.utils.text import simplify_text

    return simplify_text(text)


# ---------------------------------------------------------------- 2. whole stage
def run_executor(pipeline: list, n_tasks: int, workers: int, logs: Path) -> None:
    """One job of a dedup stage on datatrove's local executor (both pipelines run their jobs this way)."""
    from datatrove.executor import LocalPipelineExecutor

    LocalPipelineExecutor(
        pipeline, tasks=n_tasks, workers=min(workers, n_tasks), start_method="fork", logging_dir=str(logs)
    ).run()


def run_datatrove_stage(input_dir: Path, work: Path, tasks: int, workers: int) -> set:
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )

    from curator.core.stage_reader import StageOutputReader
    from curator.core.writer import ParquetDocWriter

    config = MinhashConfig()
    sigs, buckets, clusters = work / "sigs", work / "buckets", work / "clusters"

    def run(pipeline, n_tasks, name):
        run_executor(pipeline, n_tasks, workers, work / "logs" / name)

    run(
        [StageOutputReader(input_dir), MinhashDedupSignature(str(sigs), config=config, language=LANGUAGE)],
        tasks,
        "1",
    )
    run([MinhashDedupBuckets(str(sigs), str(buckets), config=config)], config.num_buckets, "2")
    run([MinhashDedupCluster(str(buckets), str(clusters), config=config, save_cluster_id=True)], 1, "3")
    run(
        [
            StageOutputReader(input_dir),
            MinhashDedupFilter(
                str(clusters), load_cluster_ids=True, exclusion_writer=ParquetDocWriter(work / "removed")
            ),
            ParquetDocWriter(work / "out"),
        ],
        tasks,
        "4",
    )
    return _partition(work / "removed", work / "out", "minhash_cluster_id")


def run_curator_stage(input_dir: Path, work: Path, tasks: int, workers: int) -> set:

    from curator.core.stage_reader import StageOutputReader
    from curator.core.writer import ParquetDocWriter
    from curator.stages.dedup.buckets import DedupBuckets
    from curator.stages.dedup.clusters import DedupClusters
    from curator.stages.dedup.files import band_names
    from curator.stages.dedup.filter import DedupFilter
    from curator.stages.dedup.minhash import MinhashScheme
    from curator.stages.dedup.signer import DedupSignatures

    scheme, side = MinhashScheme(), str(work / "side")
    bands = band_names(scheme.bands, exact=True, minhash=True)

    def run(pipeline, n_tasks, name):
        run_executor(pipeline, n_tasks, workers, work / "logs" / name)

    run(
        [StageOutputReader(input_dir), DedupSignatures(side, scheme), ParquetDocWriter(work / "keyed")],
        tasks,
        "1",
    )
    run([DedupBuckets(side, bands)], len(bands), "2")
    run([DedupClusters(side)], 1, "3")
    run(
        [
            StageOutputReader(work / "keyed"),
            DedupFilter(side, ParquetDocWriter(work / "removed")),
            ParquetDocWriter(work / "out"),
        ],
        tasks,
        "4",
    )
    return _partition(work / "removed", work / "out", None)


def _partition(removed_dir: Path, kept_dir: Path, cluster_column: str | None) -> tuple[frozenset, int]:
    """The duplicate clusters (sets of ids, size >= 2) and the number of removed documents."""
    import pyarrow.dataset as ds

    removed = ds.dataset(removed_dir, format="parquet").to_table().to_pylist() if removed_dir.exists() else []
    kept = ds.dataset(kept_dir, format="parquet").to_table().to_pylist()
    groups: dict = {}
    if cluster_column:
        for row in removed + kept:
            if row[cluster_column] != -1:
                groups.setdefault(row[cluster_column], set()).add(row["id"])
    else:
        for row in removed:
            groups.setdefault(row["duplicate_of"], {row["duplicate_of"]}).add(row["id"])
    return frozenset(frozenset(g) for g in groups.values()), len(removed)


def bench_stage(docs, work: Path, tasks: int, workers: int) -> dict:
    from curator.text import chunks

    input_dir = work / "input"
    write_parquet(docs, input_dir, tasks)
    chunks.clear()  # forked tasks must not inherit the signature benchmark's warm cache
    wall_dt, cpu_dt, (dt_clusters, dt_removed) = timed_cpu(
        lambda: run_datatrove_stage(input_dir, work / "dt", tasks, workers)
    )
    wall_ours, cpu_ours, (our_clusters, our_removed) = timed_cpu(
        lambda: run_curator_stage(input_dir, work / "ours", tasks, workers)
    )
    return {
        "docs": len(docs),
        "tasks": tasks,
        "workers": workers,
        "curator_s": wall_ours,
        "datatrove_s": wall_dt,
        "curator_cpu_s": cpu_ours,
        "datatrove_cpu_s": cpu_dt,
        "removed_curator": our_removed,
        "removed_datatrove": dt_removed,
        "clusters": len(our_clusters),
        "identical_clusters": our_clusters == dt_clusters,
    }


# ---------------------------------------------------------------- 3. clustering
def make_matches(work: Path, n_matches: int, ranks: int = 64, seed: int = 0) -> int:
    """Synthetic bucket matches: clusters of 2..~50 documents (Zipf), each pair matched in ~3 bands.
    Written both as datatrove .dups files (14 buckets) and as curator match/ids files."""
    import pyarrow as pa

    from curator.stages.dedup.files import MATCH_DTYPE, DedupFiles, save_array, save_table

    rng = np.random.default_rng(seed)
    per_cluster_matches = 3  # bands a near-duplicate pair shares, on average
    sizes = []
    total = 0
    while total < n_matches:
        size = int(min(rng.zipf(1.8) + 1, 50))
        sizes.append(size)
        total += (size - 1) * per_cluster_matches
    n_docs = int(sum(sizes))
    docs = rng.permutation(n_docs)  # cluster members scattered over tasks and positions
    per_rank = -(-n_docs // ranks)
    rank_of, pos_of = docs // per_rank, docs % per_rank
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    sizes_arr = np.array(sizes)
    members = np.repeat(np.arange(len(sizes)), sizes_arr - 1)  # one tree edge per non-first member
    child = np.concatenate([np.arange(s + 1, s + n) for s, n in zip(starts, sizes_arr, strict=True)])
    parent = starts[members] + (rng.random(len(child)) * (child - starts[members])).astype(np.int64)
    a = np.tile(parent, per_cluster_matches)
    b = np.tile(child, per_cluster_matches)
    band = rng.integers(0, 14, len(a))

    files = DedupFiles(work / "side")
    for k in range(14):
        sel = band == k
        m = np.empty(int(sel.sum()), MATCH_DTYPE)
        m["a"] = (rank_of[a[sel]].astype(np.uint64) << np.uint64(32)) + pos_of[a[sel]].astype(np.uint64)
        m["b"] = (rank_of[b[sel]].astype(np.uint64) << np.uint64(32)) + pos_of[b[sel]].astype(np.uint64)
        save_array(files.matches(f"band_{k:03d}", 0), m)
        dups = np.stack([rank_of[a[sel]], pos_of[a[sel]], rank_of[b[sel]], pos_of[b[sel]]], axis=1).astype(
            "<u4"
        )
        (work / "dups").mkdir(exist_ok=True)
        (work / "dups" / f"{k:05d}_00.dups").write_bytes(dups.tobytes())
    for r in range(ranks):
        n = int(min(per_rank, n_docs - r * per_rank))
        save_table(
            files.documents(r), pa.table({"id": pa.array([f"{r}/{p}" for p in range(n)], pa.string())})
        )
    return n_docs


def cluster_child(kind: str, work: Path) -> None:
    """Runs in its own process; prints seconds and peak RSS above the RSS after imports."""
    from datatrove.pipeline.dedup.minhash import MinhashDedupCluster

    from curator.stages.dedup.clusters import DedupClusters

    if kind == "datatrove":
        step = MinhashDedupCluster(str(work / "dups"), str(work / "dt-out"), save_cluster_id=True)
    else:
        step = DedupClusters(str(work / "side"))
    baseline = current_rss_mb()
    start = time.perf_counter()
    for _ in step.run(None, 0, 1) or []:
        pass
    print(json.dumps({"s": time.perf_counter() - start, "peak_mb": peak_rss_mb() - baseline}))


def cluster_labels(kind: str, work: Path) -> tuple[np.ndarray, np.ndarray]:
    """(document keys, cluster label of each), sorted by key, for the documents in clusters."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    keys, labels = [], []
    if kind == "datatrove":
        for path in sorted((work / "dt-out").glob("*.clusters")):
            pairs = np.frombuffer(path.read_bytes(), dtype="<u4").reshape(-1, 2)
            keys.append((np.uint64(int(path.stem)) << np.uint64(32)) | pairs[:, 0].astype(np.uint64))
            labels.append(pairs[:, 1].astype(np.int64))
        keys, labels = np.concatenate(keys), np.concatenate(labels)
    else:
        names = []
        for path in sorted((work / "side" / "decisions").glob("*.parquet")):
            rank = int(path.stem)
            t = pq.read_table(path)
            positions = t.column("position").to_numpy().astype(np.uint64)
            own = (
                pq.read_table(work / "side" / "documents" / path.name).column("id").take(pa.array(positions))
            )
            names.append(pc.if_else(pc.is_null(t.column("duplicate_of")), own, t.column("duplicate_of")))
            keys.append((np.uint64(rank) << np.uint64(32)) | positions)
        keys = np.concatenate(keys)
        encoded = pc.dictionary_encode(
            pa.chunked_array([c for n in names for c in n.chunks])
        ).combine_chunks()
        labels = encoded.indices.to_numpy().astype(np.int64)
    order = np.argsort(keys)
    return keys[order], labels[order]


def same_partition(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    """Same documents, and labels that map one to one (the same clusters under other names)."""
    if not np.array_equal(a[0], b[0]):
        return False
    pairs = np.unique(np.stack([a[1], b[1]], axis=1), axis=0)
    return len(pairs) == len(np.unique(a[1])) == len(np.unique(b[1]))


def bench_clustering(work: Path, n_matches: int) -> dict:
    n_docs = make_matches(work, n_matches)
    results = {}
    for kind in ("curator", "datatrove"):
        proc = subprocess.run(
            [sys.executable, __file__, "--cluster-child", kind, str(work)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
    same = same_partition(cluster_labels("curator", work), cluster_labels("datatrove", work))
    return {
        "matches": n_matches,
        "docs_in_clusters": n_docs,
        "curator": results["curator"],
        "datatrove": results["datatrove"],
        "identical_clusters": same,
    }


# ---------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=5000, help="documents for signatures and whole stage")
    parser.add_argument("--matches", type=int, default=10_000_000, help="synthetic bucket matches to cluster")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=["signatures", "stage", "clustering"])
    parser.add_argument("--cluster-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cluster_child:
        cluster_child(args.cluster_child[0], Path(args.cluster_child[1]))
        return
    from datatrove.utils.logging import logger

    logger.remove()  # the executors' per-task logs would drown the figures
    work = Path(tempfile.mkdtemp(prefix="curator-dedup-bench-"))
    try:
        report, lines = {}, []
        out = lines.append  # figures are printed at the end, after the executors' logs

        docs = make_documents(args.docs) if {"signatures", "stage"} - set(args.skip) else []
        if "signatures" not in args.skip:
            s = report["signatures"] = bench_signatures(docs, work / "sig")
            out(f"signatures, {s['docs']} docs x 200 words, 14x8, one process, CPU seconds:")
            out(f"  curator    {s['curator_s']:8.2f} s  {s['docs'] / s['curator_s']:9.0f} docs/s")
            out(
                f"  datatrove  {s['datatrove_s']:8.2f} s  {s['docs'] / s['datatrove_s']:9.0f} docs/s"
                f"   -> curator is {s['datatrove_s'] / s['curator_s']:.1f}x faster"
            )
            out(
                f"  datasketch {s['datasketch_s']:8.2f} s  {s['docs'] / s['datasketch_s']:9.0f} docs/s"
                f"   -> curator is {s['datasketch_s'] / s['curator_s']:.1f}x faster"
                f" (update loop alone {s['datasketch_update_loop_only_s']:.2f} s:"
                f" {s['datasketch_update_loop_only_s'] / s['curator_s']:.1f}x)"
            )
            out(f"  signatures bit-identical to datatrove's: {s['identical_signatures']}")
        if "stage" not in args.skip:
            s = report["stage"] = bench_stage(docs, work / "stage", args.tasks, args.workers)
            out(f"whole stage (4 phases), {s['docs']} docs, tasks={s['tasks']} workers={s['workers']}:")
            out(
                f"  curator    {s['curator_s']:8.2f} s wall {s['curator_cpu_s']:8.2f} s CPU   removed {s['removed_curator']}"
            )
            out(
                f"  datatrove  {s['datatrove_s']:8.2f} s wall {s['datatrove_cpu_s']:8.2f} s CPU   removed "
                f"{s['removed_datatrove']}   -> curator is {s['datatrove_s'] / s['curator_s']:.1f}x faster (wall), "
                f"{s['datatrove_cpu_s'] / s['curator_cpu_s']:.1f}x less CPU"
            )
            out(f"  same duplicate clusters ({s['clusters']}): {s['identical_clusters']}")
        if "clustering" not in args.skip:
            s = report["clustering"] = bench_clustering(work / "cluster", args.matches)
            c, d = s["curator"], s["datatrove"]
            per_m = s["docs_in_clusters"] / 1e6
            out(
                f"clustering, {s['matches']:,} bucket matches, {s['docs_in_clusters']:,} documents in clusters:"
            )
            out(
                f"  curator    {c['s']:8.2f} s  peak {c['peak_mb']:7.0f} MB ({c['peak_mb'] / per_m:.0f} MB per M docs)"
            )
            out(
                f"  datatrove  {d['s']:8.2f} s  peak {d['peak_mb']:7.0f} MB ({d['peak_mb'] / per_m:.0f} MB per M docs)"
                f"   -> curator is {d['s'] / c['s']:.1f}x faster, {d['peak_mb'] / c['peak_mb']:.1f}x less memory"
            )
            out(f"  identical clusters: {s['identical_clusters']}")
        print("\n".join(lines))
        print(json.dumps(report, default=str))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
