"""End to end: curator's pipeline vs a stock datatrove pipeline, same input, same run, same workers.

Input: ../shared/data/bench/real-pages.warc.gz (1,171 real pages, ~149 KB of HTML each), linked
`--copies` times (one file per task). Every pipeline runs in a fresh process, one after another;
with `--rounds` > 1 the order rotates, so load from other users of the machine spreads over all.

stock datatrove 0.10.1, written with its own blocks (FineWeb's recipe):
  1. WarcReader → Trafilatura(favour_precision=True) → LanguageFilter (lid.176.ftz, local) →
     GopherRepetitionFilter → FineWebQualityFilter → GopherQualityFilter → ParquetWriter
  2. ParquetReader → MinhashDedupSignature   3. MinhashDedupBuckets (one task per band)
  4. MinhashDedupCluster   5. ParquetReader → MinhashDedupFilter → ParquetWriter
curator: extract → lid (fastText, same model) → filters → dedup (exact + MinHash 14×8, 5-grams) →
  quality (fastText classifier, scores only) with datatrove's default thresholds, English tokenizer
  and stop words for every language (common.write_reference_profiles): same decisions to make. Its
  filters stage runs the heuristic filters only (no URL filter, no formatters), as the stock recipe.
  Curator does more work: exact dedup, the quality model, removed-document accounting.

Printed per pipeline: wall time and CPU time (user+system of its whole process tree, which other
load on a shared machine disturbs far less), their ratios vs stock, the pages each read as HTML,
and the documents left after every step (both must stay comparable), then wall and CPU seconds per job.

Trafilatura settings: datatrove calls trafilatura.extract(favor_precision=True, include_comments=False,
deduplicate=True); curator's `trafilatura` engine passes the same. `trafilatura (fast)` (no_fallback)
and the resiliparse-based engines are separate rows, compared with the same stock run.

    .venv/bin/python scripts/bench/e2e.py                      # default size: a few minutes on 2 cores
    .venv/bin/python scripts/bench/e2e.py --copies 8 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DATATROVE_LANGUAGE,
    DATATROVE_STOP_WORDS,
    LANGUAGE_THRESHOLD,
    PAGES_PER_COPY,
    curator_config,
    defaults_config,
    failed,
    has_filters_block,
    lid_model_path,
    link_copies,
    machine,
    parquet_rows,
    print_table,
    run_curator_config,
    run_python,
    write_reference_profiles,
)

from scripts.devtools.measure import children_cpu_seconds  # noqa: E402

# name -> (pipeline, engine label, curator extract engine or None for stock, trafilatura fast)
PIPELINES = {
    "stock": ("datatrove", "trafilatura", None, False),
    "defaults": ("curator", "defaults", "defaults", False),  # every stage with no options
    "trafilatura": ("curator", "trafilatura", "trafilatura", False),
    "trafilatura-fast": ("curator", "trafilatura (fast)", "trafilatura", True),
    "hybrid": ("curator", "hybrid", "hybrid", False),
    "fast": ("curator", "fast", "fast", False),
    "resiliparse": ("curator", "resiliparse", "resiliparse", False),
}
DEFAULT_PIPELINES = ["stock", "defaults", "trafilatura", "fast", "resiliparse"]


# ---------------------------------------------------------------- stock datatrove
def local_language_filter():
    """datatrove's LanguageFilter with its FT176 model read from the local lid.176.ftz (no download)."""
    from datatrove.pipeline.filters import LanguageFilter
    from datatrove.utils.lid import FastTextLID

    class LocalFastTextLID(FastTextLID):
        def __init__(self, path: str):
            super().__init__(None)
            self.path = path

        @property
        def model(self):
            if self._model is None:
                from fasttext.FastText import _FastText

                self._model = _FastText(self.path)
            return self._model

    step = LanguageFilter(language_threshold=LANGUAGE_THRESHOLD)
    step.model = LocalFastTextLID(lid_model_path())
    return step


def run_stock(inputs: Path, work: Path, tasks: int, workers: int) -> dict:
    """FineWeb's recipe with datatrove's own blocks; returns documents out (the final Parquet rows)."""
    import trafilatura  # noqa: F401  -- datatrove's sandbox would report an ImportError as a timeout per page
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.readers import ParquetReader, WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    from curator.exec.run import (
        cpu_seconds,  # per job as curator's runner measures it (+0.08 CPU-s of imports)
    )

    config = MinhashConfig()  # 5-grams, 14 bands x 8 hashes, seed 1: curator's dedup defaults
    filtered, sigs, buckets, clusters = (work / d for d in ("filtered", "signatures", "buckets", "clusters"))
    logs, out = work / "logs", work / "output"

    job_seconds: dict[str, dict] = {}

    def executor(name: str, pipeline: list, n: int) -> None:
        wall, cpu = time.perf_counter(), cpu_seconds()
        LocalPipelineExecutor(
            pipeline, tasks=n, workers=min(workers, n), logging_dir=str(logs / name), start_method="fork"
        ).run()
        job_seconds[name] = {
            "wall": time.perf_counter() - wall,
            "cpu": cpu_seconds() - cpu,
        }  # as curator's runner

    executor(
        "1-extract-filter",
        [
            WarcReader(str(inputs), glob_pattern="*.warc.gz"),
            Trafilatura(favour_precision=True, timeout=5.0),  # curator's per-page limit
            local_language_filter(),
            GopherRepetitionFilter(language=DATATROVE_LANGUAGE),
            FineWebQualityFilter(language=DATATROVE_LANGUAGE),
            GopherQualityFilter(
                stop_words=DATATROVE_STOP_WORDS, min_stop_words=2, language=DATATROVE_LANGUAGE
            ),
            ParquetWriter(str(filtered)),
        ],
        tasks,
    )
    executor(
        "2-signatures",
        [
            ParquetReader(str(filtered)),
            MinhashDedupSignature(str(sigs), config=config, language=DATATROVE_LANGUAGE),
        ],
        tasks,
    )
    executor("3-buckets", [MinhashDedupBuckets(str(sigs), str(buckets), config=config)], config.num_buckets)
    executor("4-clusters", [MinhashDedupCluster(str(buckets), str(clusters), config=config)], 1)
    executor(
        "5-filter",
        [ParquetReader(str(filtered)), MinhashDedupFilter(str(clusters)), ParquetWriter(str(out))],
        tasks,
    )

    def total(stats: dict, key: str) -> int:  # datatrove writes a counter as a number or as {"total": ...}
        value = stats.get(key, 0)
        return value.get("total", 0) if isinstance(value, dict) else value

    steps = json.loads((logs / "1-extract-filter" / "stats.json").read_text())
    stage_out = {"read": total(steps[0]["stats"], "documents")}
    for step in steps[1:-1]:  # extractor and filters: what each forwarded
        stage_out[step["name"].split(": ", 1)[-1]] = total(step["stats"], "forwarded")
    stage_out["minhash"] = parquet_rows(out)
    return {
        "docs_read": stage_out["read"],
        "docs_out": stage_out["minhash"],
        "stage_out": stage_out,
        "job_seconds": job_seconds,
    }


# ---------------------------------------------------------------- curator
def run_curator(
    inputs: Path, work: Path, tasks: int, workers: int, engine: str, trafilatura_fast: bool
) -> dict:
    if engine == "defaults":
        config = defaults_config(sorted(inputs.glob("*.warc.gz")), work / "run", tasks, workers)
    else:
        config = curator_config(
            sorted(inputs.glob("*.warc.gz")),
            work / "run",
            write_reference_profiles(work / "profiles"),
            engine,
            tasks,
            workers,
            trafilatura_fast=trafilatura_fast,
        )
    record = run_curator_config(config, work / "config.yaml")
    stats = {p.stem: json.loads(p.read_text()) for p in (work / "run" / "stats").glob("*.json")}
    order = ["read", "extract", "lid", "filters", "dedup", "quality"]
    return {
        "docs_out": parquet_rows(work / "run" / "data"),
        "docs_read": stats.get("extract", {}).get("docs_in"),
        "stage_out": {name: stats[name].get("docs_out") for name in order if name in stats},
        "job_seconds": record["job_seconds"],
        "startup": startup_per_task(work / "run", record["jobs"]),
    }


def startup_per_task(output: Path, jobs: list[dict]) -> dict[str, list[float]]:
    """Seconds of start-up (loads before the first document and for new languages: core.accounting's
    startup key) per stage, one figure per task, from the tasks' own stats files."""
    from curator.core.accounting import IO_STEP, startup_key
    from curator.core.paths import RunLayout

    per_stage: dict[str, dict[int, float]] = {}
    for job in jobs:
        stages = job["step_stages"]
        for path in sorted((RunLayout(output).logs(job["name"]) / "stats").glob("*.json")):
            for i, step in enumerate(json.loads(path.read_text())):
                if i >= len(stages) or stages[i] == IO_STEP:
                    continue
                value = (step.get("stats") or {}).get(startup_key())
                if value is not None:
                    total = value.get("total", 0) if isinstance(value, dict) else value
                    task = per_stage.setdefault(stages[i], {})
                    task[int(path.stem)] = task.get(int(path.stem), 0.0) + total
    return {stage: [round(tasks[r], 2) for r in sorted(tasks)] for stage, tasks in per_stage.items()}


def run_one(name: str, inputs: Path, work: Path, tasks: int, workers: int) -> dict:
    """One pipeline, timed from its first job to its last output (imports excluded for both)."""
    _, _, engine, trafilatura_fast = PIPELINES[name]
    start = time.perf_counter()
    if engine is None:
        result = run_stock(inputs, work, tasks, workers)
    else:
        result = run_curator(inputs, work, tasks, workers, engine, trafilatura_fast)
    return {**result, "seconds": time.perf_counter() - start}


# ---------------------------------------------------------------- driver
def measure(name: str, inputs: Path, scratch: Path, tasks: int, workers: int, keep: bool = False) -> dict:
    work = scratch / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log, result_file = scratch / f"{name}.log", scratch / f"{name}.json"
    before = children_cpu_seconds()
    proc = run_python(
        [
            __file__,
            "--one",
            name,
            "--inputs",
            str(inputs),
            "--work",
            str(work),
            "--tasks",
            str(tasks),
            "--workers",
            str(workers),
            "--result",
            str(result_file),
        ],
        log,
    )
    proc.wait()
    after = children_cpu_seconds()
    if proc.returncode != 0:
        raise failed(name, proc, log)
    result = json.loads(result_file.read_text())
    # CPU time of the whole process tree (workers, datatrove's extractor sandboxes): the machine is shared,
    # and CPU seconds are much less sensitive than wall time to what other users run meanwhile
    result["cpu_seconds"] = after - before
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--copies", type=int, default=2, help="input copies, one file each (1,171 pages per copy)"
    )
    parser.add_argument("--tasks", type=int, default=None, help="tasks per job (default: one per copy)")
    parser.add_argument("--workers", type=int, default=2, help="parallel processes, both pipelines")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every pipeline, order rotated")
    parser.add_argument(
        "--pipelines",
        default=",".join(DEFAULT_PIPELINES),
        help=f"comma-separated, from {', '.join(PIPELINES)}",
    )
    parser.add_argument("--scratch", type=Path, default=None, help="work folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep every run's output and logs in --scratch")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    tasks = args.tasks or args.copies

    if args.one:  # a child process: run one pipeline, write its result
        args.result.write_text(json.dumps(run_one(args.one, args.inputs, args.work, tasks, args.workers)))
        return

    names = [n.strip() for n in args.pipelines.split(",") if n.strip()]
    unknown = [n for n in names if n not in PIPELINES]
    if unknown or "stock" not in names:
        raise SystemExit(f"--pipelines: unknown {unknown}; 'stock' must be one of them (the baseline)")
    if not has_filters_block():
        print(
            "note: curator has no filters block yet (curator.stages.filters.block): its runs skip filters",
            flush=True,
        )
    print(f"machine: {machine()}")
    print(
        f"input: {args.copies} x real-pages.warc.gz = {args.copies * PAGES_PER_COPY} pages; "
        f"tasks {tasks}, workers {args.workers}, rounds {args.rounds}",
        flush=True,
    )

    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="curator-bench-e2e-"))
    inputs = scratch / "input"
    link_copies(inputs, args.copies)
    results: dict[str, list[dict]] = {n: [] for n in names}
    ratios: dict[str, dict[str, list[float]]] = {n: {"seconds": [], "cpu_seconds": []} for n in names}
    try:
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            this_round = {}
            for name in order:
                result = this_round[name] = measure(name, inputs, scratch, tasks, args.workers, args.keep)
                results[name].append(result)
                print(
                    f"  round {r + 1}: {name:<17} {result['seconds']:7.1f} s wall, {result['cpu_seconds']:7.1f} s CPU, "
                    f"docs out {result['docs_out']}",
                    flush=True,
                )
            for name in names:
                for key in ("seconds", "cpu_seconds"):
                    ratios[name][key].append(this_round["stock"][key] / this_round[name][key])
    finally:
        if args.scratch is None:
            shutil.rmtree(scratch, ignore_errors=True)
    report(names, results, ratios, args.copies * PAGES_PER_COPY, args.rounds)


def report(names: list[str], results: dict, ratios: dict, docs_in: int, rounds: int) -> None:
    def ratio(name: str, key: str) -> str:
        values = ratios[name][key]
        spread = f" ({min(values):.2f}-{max(values):.2f})" if rounds > 1 else ""
        return f"{statistics.median(values):.2f}x{spread}"

    rows = []
    stock_cpu = statistics.median(r["cpu_seconds"] for r in results["stock"])
    for name in names:
        pipeline, engine, _, _ = PIPELINES[name]
        seconds = statistics.median(r["seconds"] for r in results[name])
        cpu = statistics.median(r["cpu_seconds"] for r in results[name])
        read = results[name][-1]["docs_read"]
        per_page = (stock_cpu / results["stock"][-1]["docs_read"]) / (cpu / read)
        rows.append(
            [
                pipeline,
                engine,
                docs_in,
                read,
                results[name][-1]["docs_out"],
                f"{seconds:.1f}",
                f"{docs_in / seconds:.1f}",
                ratio(name, "seconds"),
                f"{cpu:.1f}",
                f"{docs_in / cpu:.2f}",
                ratio(name, "cpu_seconds"),
                f"{per_page:.2f}x",
            ]
        )
    print()
    print_table(
        [
            "pipeline",
            "engine",
            "docs in",
            "read as HTML",
            "docs out",
            "wall s",
            "docs/s",
            "ratio vs stock",
            "CPU s",
            "docs/CPU-s",
            "CPU ratio",
            "CPU ratio per page read",
        ],
        rows,
    )
    print(
        "\nratio = stock time / pipeline time in the same round (median over rounds, range in brackets);"
        "\nCPU = user+system time of the whole process tree (robust to other load on the machine);"
        "\nper page read: CPU per page each pipeline read as HTML (stock reads fewer pages, see below)."
    )
    print("docs/s = docs in / wall seconds. Documents left after each step (last run):")
    for name in names:
        pipeline, engine, _, _ = PIPELINES[name]
        print(
            f"  {pipeline} {engine}: "
            + ", ".join(f"{k} {v}" for k, v in results[name][-1]["stage_out"].items())
        )
    print(
        "datatrove's WarcReader keeps a record only if libmagic calls its bytes HTML when the WARC has no\n"
        "WARC-Identified-Payload-Type (as here); curator reads the HTTP Content-Type: 'read as HTML' differs."
    )
    print(
        "\nStart-up per task and stage (last run; seconds before the first document and loading new languages):"
    )
    for name in names:
        startup = results[name][-1].get("startup")
        if startup:
            pipeline, engine, _, _ = PIPELINES[name]
            cells = ", ".join(
                f"{stage} {'/'.join(f'{v:.2f}' for v in values)}" for stage, values in startup.items()
            )
            print(f"  {pipeline} {engine}: {cells}  (max {max(max(v) for v in startup.values()):.2f} s)")
            preloads = {
                j: t["preload"] for j, t in results[name][-1]["job_seconds"].items() if t.get("preload")
            }
            if preloads:  # once per job, in the process the tasks fork from (core/preload.py)
                cells = ", ".join(f"{job} {seconds:.2f}" for job, seconds in preloads.items())
                print(f"    + preload before the fork, once per job: {cells}")
    print(
        "\nWall and CPU seconds per job (last run). Outside jobs: the wall of checks and planning; the CPU\n"
        "also of the process's start-up and imports:"
    )
    for name in names:
        pipeline, engine, _, _ = PIPELINES[name]
        print(f"  {pipeline} {engine}:")
        print_job_seconds(results[name][-1])


def print_job_seconds(result: dict) -> None:
    jobs = result["job_seconds"]
    rows = [
        [job, f"{t['wall']:.2f}", f"{t['cpu']:.2f}", f"{t.get('preload', 0):.2f}"] for job, t in jobs.items()
    ]
    rows.append(
        [
            "outside jobs",
            f"{result['seconds'] - sum(t['wall'] for t in jobs.values()):.2f}",
            f"{result['cpu_seconds'] - sum(t['cpu'] for t in jobs.values()):.2f}",
            "",
        ]
    )
    print_table(["    job", "wall s", "CPU s", "of which preload s"], [["    " + r[0], *r[1:]] for r in rows])


if __name__ == "__main__":
    main()
