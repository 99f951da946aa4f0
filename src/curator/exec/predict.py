"""`curator plan`'s predictions: per job, tasks, peak memory per task, scratch disk and CPU-hours.

Each stage predicts its own phases (`Block.costs()`, constants measured in the stage's
`estimates.py`) from the workload this module works out for it: how many records the input holds
and how many documents reach the stage. Without a pilot these come from defaults measured here
(core/estimates.py: bytes per record per input format, an assumed share of documents each
stage keeps);
with `--from PILOT` (a finished run of the same stages on a sample) every rate is the pilot's,
scaled by input bytes: records per byte, documents reaching each stage, dedup match pairs, CPU
seconds per job, document files' bytes per document, side files per document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from curator.config.loader import LoadedConfig
from curator.core.accounting import peak_key
from curator.core.errors import CuratorError
from curator.core.estimates import (
    DOCUMENT_TASK_BASE_MB,
    GLOBAL_TASK_BASE_MB,
    PhaseCost,
    Workload,
    default_docs,
    input_pages,
)
from curator.core.paths import RunLayout
from curator.core.remote import InputFile, total_bytes
from curator.core.stats import read_task_stats
from curator.graph import Job, build_blocks

# CPU seconds per document reaching a stage that does not predict its own costs (docs/slurm.md
# "Running at scale": one process, bench pages, trafilatura; read: per record)
DEFAULT_CPU_S_PER_DOC = {
    "read": 0.0003,
    "extract": 0.0371,
    "lid": 0.0056,
    "filters": 0.021,
    "rebalance": 0.0001,
}
# Parquet bytes per document of a document job's output (~5,000 characters of text, zstd)
DOCUMENT_FILE_BYTES = 2_500


@dataclass
class Pilot:
    """What a finished run measured, per byte of its input."""

    root: Path
    input_bytes: float
    pages: float
    docs_in: dict[str, float]  # stage -> documents that reached it
    pairs: float
    job_cpu_s: dict[str, float]  # job name without its number -> CPU seconds
    job_peak_mb: dict[str, float]  # job name without its number -> largest recorded peak_rss_mb
    stage_bytes: dict[str, float] = field(default_factory=dict)  # OUTPUT/stages/<name> -> bytes

    @classmethod
    def load(cls, output: str | Path) -> Pilot:
        layout = RunLayout(Path(output))
        if not layout.run_json.is_file():
            raise CuratorError(
                f"--from {output}: no run.json; give the output folder of a finished pilot run"
            )
        record = json.loads(layout.run_json.read_text())
        if record.get("status") != "done":
            raise CuratorError(
                f"--from {output}: the run's status is '{record.get('status')}'; finish it "
                "(or `curator finalize` it after Slurm) before planning from it"
            )
        stats = {}
        for path in (layout.root / "stats").glob("*.json"):
            stats[path.stem] = json.loads(path.read_text())
        pages = float(stats.get("read", {}).get("docs_out", 0))
        if not pages:
            raise CuratorError(f"--from {output}: stats/read.json counts no records read")
        metrics = stats.get("dedup", {}).get("metrics", {})
        peaks = {}
        for job in record.get("jobs", []):
            values = [
                step.get("stats", {}).get(peak_key("rss_mb"), {})
                for task in read_task_stats(layout.logs(job["name"])).values()
                for step in task
            ]
            values = [v.get("max", v.get("total", 0)) if isinstance(v, dict) else v for v in values if v]
            if values:
                peaks[_short(job["name"])] = float(max(values))
        stage_bytes = {}
        for folder in (layout.root / "stages").glob("*"):
            stage_bytes[_short(folder.name)] = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        return cls(
            root=layout.root,
            input_bytes=float(sum(i["bytes"] for i in record.get("inputs", []))),
            pages=pages,
            docs_in={name: float(s.get("docs_in", 0)) for name, s in stats.items()},
            pairs=float(sum(v for k, v in metrics.items() if k.startswith("matches/"))),
            job_cpu_s={_short(k): v["cpu"] for k, v in record.get("job_seconds", {}).items()},
            job_peak_mb=peaks,
            stage_bytes=stage_bytes,
        )


def _short(job_name: str) -> str:
    """'03-dedup-clusters' -> 'dedup-clusters' (survives a stage added before it)."""
    head, _, rest = job_name.partition("-")
    return rest if head.isdigit() and rest else job_name


@dataclass
class JobPrediction:
    job: Job
    memory_mb: float  # peak per task
    scratch_bytes: float
    cpu_s: float
    basis: list[str]


def predict(loaded: LoadedConfig, files: list[InputFile], jobs: list[Job], pilot: Pilot | None = None):
    """Per job, its predicted peak memory per task, scratch disk and CPU. Returns (pages, predictions)."""
    config = loaded.config
    input_bytes = float(total_bytes(files)[0])  # remote files of unknown size: estimated from the others
    scale = input_bytes / pilot.input_bytes if pilot and pilot.input_bytes else None
    pages = pilot.pages * scale if scale else input_pages(input_bytes, config.input.format)
    blocks = build_blocks(loaded)
    costs: dict[str, dict[str, PhaseCost]] = {}
    docs_at: dict[str, float] = {}
    for block in blocks:
        stage = block.ctx.stage
        if scale and stage in pilot.docs_in:
            docs = pilot.docs_in[stage] * scale
        else:
            docs = default_docs(pages, [b.name for b in blocks[: blocks.index(block)]])
        docs_at[stage] = docs
        measured = {"pairs": pilot.pairs * scale} if scale and block.name == "dedup" else {}
        work = Workload(pages=pages, docs=docs, tasks=config.executor.tasks, measured=measured)
        costs[stage] = {c.phase: c for c in block.costs(work)}

    predictions, seen_docs_jobs = [], dict.fromkeys(docs_at, 0)
    for job in jobs:
        short = _short(job.name)
        basis: list[str] = []
        if job.kind == "documents":
            memory, scratch, cpu = DOCUMENT_TASK_BASE_MB, 0.0, 0.0
            if job.stages == [] or job is jobs[0]:
                cpu += DEFAULT_CPU_S_PER_DOC["read"] * pages
            for stage in job.stages:
                k = seen_docs_jobs.get(stage, 0)
                seen_docs_jobs[stage] = k + 1
                cost = costs.get(stage, {}).get("documents" if k == 0 else f"documents-{k + 1}")
                if cost is None and k == 0 and stage in docs_at:
                    name = next(b.name for b in blocks if b.ctx.stage == stage)
                    cpu += DEFAULT_CPU_S_PER_DOC.get(name, 0.0) * docs_at[stage]
                if cost:
                    memory += cost.memory_mb
                    scratch += cost.scratch_bytes
                    cpu += cost.cpu_s
                    if cost.basis:
                        basis.append(f"{stage}: {cost.basis}")
            if scale and short in pilot.job_peak_mb:  # the pilot's peak, at the pilot's own size
                memory = max(memory, pilot.job_peak_mb[short])
                basis.append(f"pilot peak {pilot.job_peak_mb[short]:.0f} MB")
            out_docs = docs_at.get(job.stages[-1], pages) if job.stages else pages
            if scale and short in pilot.stage_bytes:
                scratch += pilot.stage_bytes[short] * scale
            elif job.output_dir is not None:
                scratch += out_docs * DOCUMENT_FILE_BYTES
        else:
            stage = job.stages[0]
            cost = costs.get(stage, {}).get(short[len(stage) + 1 :])
            if cost is None:  # a stage that does not predict this phase: its imports
                cost = PhaseCost(short, GLOBAL_TASK_BASE_MB, basis="no estimate from the stage: imports only")
            memory, scratch, cpu = cost.memory_mb, cost.scratch_bytes, cost.cpu_s
            if cost.basis:
                basis.append(cost.basis)
        if scale and short in pilot.job_cpu_s:
            cpu = pilot.job_cpu_s[short] * scale
        predictions.append(JobPrediction(job, memory, scratch, cpu, basis))
    return pages, predictions


def requested_mb(loaded: LoadedConfig, job: Job) -> float:
    """Memory one Slurm array task of `job` asks for."""
    from curator.exec.slurm import job_shape

    shape = job_shape(loaded.config.executor.slurm, job.name, job.stages)
    return shape.mem_per_cpu_gb * shape.cpus_per_task * 1024


def memory_warnings(loaded: LoadedConfig, predictions: list[JobPrediction]) -> list[str]:
    """Jobs whose predicted peak per task exceeds what their Slurm tasks request."""
    out = []
    for p in predictions:
        request = requested_mb(loaded, p.job)
        if p.memory_mb > request:
            key = _short(p.job.name)
            hint = {
                "dedup-clusters": "raise dedup.cluster_tasks",
                "dedup-buckets": "raise dedup.bucket_splits",
            }.get(key, "raise executor.tasks" if p.job.kind == "documents" else "")
            out.append(
                f"job {p.job.name}: predicted peak {p.memory_mb:,.0f} MB per task > {request:,.0f} MB requested "
                f"(executor.slurm mem_per_cpu_gb x cpus_per_task); set executor.slurm.stages.{key}.mem_per_cpu_gb"
                + (f" or {hint}" if hint else "")
                + " (curator plan shows how the prediction is made)"
            )
    return out


def format_plan(
    loaded: LoadedConfig, pages: float, predictions: list[JobPrediction], pilot: Pilot | None
) -> list[str]:
    source = (
        f"rates of the pilot run {pilot.root}"
        if pilot
        else "default rates (docs/slurm.md; --from PILOT measures them)"
    )
    lines = [f"prediction for ~{pages:,.0f} input records, from {source}:"]
    lines.append(
        f"  {'job':<34} {'tasks':>6} {'peak MB/task':>13} {'slurm MB':>9} {'scratch GB':>11} {'CPU h':>9}"
    )
    total_scratch = total_cpu = 0.0
    for p in predictions:
        request = requested_mb(loaded, p.job)
        flag = "  > requested" if p.memory_mb > request else ""
        lines.append(
            f"  {p.job.name:<34} {p.job.tasks:>6} {p.memory_mb:>13,.0f} {request:>9,.0f} "
            f"{p.scratch_bytes / 1e9:>11,.2f} {p.cpu_s / 3600:>9,.2f}{flag}"
        )
        for text in p.basis:
            lines.append(f"      {text}")
        total_scratch += p.scratch_bytes
        total_cpu += p.cpu_s
    lines.append(f"  total: {total_scratch / 1e9:,.2f} GB scratch, {total_cpu / 3600:,.2f} CPU-hours")
    return lines
