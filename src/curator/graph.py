"""Stages → jobs. Consecutive per-document phases fuse into one document job (one pass over the
data); each GlobalPhase is a barrier job of its own. See docs/architecture.md."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from curator.config.loader import LoadedConfig
from curator.core.errors import ConfigError
from curator.core.names import check_plain_name
from curator.core.paths import RunLayout
from curator.stages import get_block_class
from curator.stages.base import BuildContext, DocPhase, GlobalPhase

READ_STAGE = "read"  # pseudo-stage of the input reader: records read, skipped, file errors


@dataclass
class StageSteps:
    """One stage's per-document steps inside a document job."""

    stage: str
    steps: list


@dataclass
class DocumentGroup:
    """Consecutive DocPhases (of one or more stages): one document job, one pass over the data."""

    parts: list[StageSteps] = field(default_factory=list)


@dataclass
class GlobalGroup:
    """A GlobalPhase: a barrier job of its own."""

    stage: str
    phase: GlobalPhase


@dataclass
class Job:
    name: str
    kind: str  # "documents" | "global"
    tasks: int
    stages: list[str]  # stages with steps in this job, in order
    # the stage of each pipeline step (stats), accounting.IO_STEP for a step that only moves documents
    step_stages: list[str] = field(default_factory=list)
    pipeline: list = field(default_factory=list)
    output_dir: Path | None = None  # documents written by this job

    def describe(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "tasks": self.tasks,
            "stages": self.stages,
            "step_stages": self.step_stages,
            "output": str(self.output_dir) if self.output_dir else None,
        }


def resolve_inputs(loaded: LoadedConfig) -> list[Path]:
    """Expand input globs (relative to the config file's folder); every pattern must match a file."""
    files: list[Path] = []
    problems = []
    for i, pattern in enumerate(loaded.config.input.paths):
        full = str(loaded.resolve(pattern))
        matches = sorted(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
        if not matches:
            problems.append(f"input.paths[{i}]: no file matches '{pattern}' (looked for {full})")
        files.extend(matches)
    if problems:
        raise ConfigError(problems)
    return list(dict.fromkeys(files))


def unique_stage_names(loaded: LoadedConfig) -> list[str]:
    names, seen = [], {}
    for stage in loaded.config.stages:
        base = stage.name
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return names


def build_blocks(loaded: LoadedConfig) -> list:
    """Instantiate every stage's block and run its checks; all problems are reported at once."""
    blocks, problems = [], []
    for i, (stage, name) in enumerate(zip(loaded.config.stages, unique_stage_names(loaded), strict=True)):
        block = get_block_class(stage.block)(
            stage.params, BuildContext(loaded=loaded, stage=name, stage_index=i)
        )
        for p in block.check():
            key = f"stages[{i}].{stage.block}" + (f".{p.key}" if p.key else "")
            problems.append(f"{key}: {p.message}")
        blocks.append(block)
    if problems:
        raise ConfigError(problems)
    return blocks


def _reader(loaded: LoadedConfig, files: list[Path]):
    from curator.core.readers import JsonlDocReader, ParquetDocReader, WarcDocReader

    inp = loaded.config.input
    paths = [str(f) for f in files]
    if inp.format in ("warc", "wet"):
        return WarcDocReader(
            paths, wet=inp.format == "wet", dump=inp.dump, max_record_bytes=inp.max_record_bytes
        )
    if inp.format == "parquet":
        return ParquetDocReader(paths, inp.text_column, inp.id_column, inp.dump)
    return JsonlDocReader(paths, inp.text_column, inp.id_column, inp.dump)


def build_jobs(loaded: LoadedConfig, files: list[Path] | None = None) -> list[Job]:
    from curator.core.accounting import IO_STEP
    from curator.core.progress_beacon import ProgressBeacon
    from curator.core.stage_counter import StageCounter
    from curator.core.stage_reader import StageOutputReader
    from curator.core.task_guard import TaskGuard
    from curator.core.writer import ParquetDocWriter

    layout = RunLayout(loaded.output_dir)
    tasks = loaded.config.executor.tasks
    files = resolve_inputs(loaded) if files is None else files
    blocks = build_blocks(loaded)

    # 1. the phases in order, grouped: runs of DocPhases become one document job
    groups: list[DocumentGroup | GlobalGroup] = []
    for block in blocks:
        for phase in block.phases():
            if isinstance(phase, DocPhase):
                if not groups or not isinstance(groups[-1], DocumentGroup):
                    groups.append(DocumentGroup())
                groups[-1].parts.append(StageSteps(block.ctx.stage, phase.steps))
            elif isinstance(phase, GlobalPhase):
                if not groups:
                    groups.append(DocumentGroup())  # materialise the input first
                groups.append(GlobalGroup(block.ctx.stage, phase))
            else:
                raise TypeError(f"{block.ctx.stage}: phases() returned {phase!r}")
    if not groups:
        groups.append(DocumentGroup())
    last_documents = max(i for i, group in enumerate(groups) if isinstance(group, DocumentGroup))

    # 2. jobs
    jobs: list[Job] = []
    documents_dir: Path | None = None
    for index, group in enumerate(groups):
        if isinstance(group, DocumentGroup):
            stages = list(dict.fromkeys(part.stage for part in group.parts))
            name = check_plain_name(f"{index + 1:02d}-" + "-".join(stages or ["read"]), "job name")
            final = index == last_documents
            if documents_dir is None:
                pipeline, step_stages = [TaskGuard(), _reader(loaded, files)], [IO_STEP, READ_STAGE]
            else:
                pipeline, step_stages = [TaskGuard(), StageOutputReader(documents_dir)], [IO_STEP, IO_STEP]
            for part in group.parts:
                pipeline += [StageCounter(part.stage, "in"), *part.steps, StageCounter(part.stage, "out")]
                step_stages += [part.stage] * (len(part.steps) + 2)
            out_dir = layout.data if final else layout.stage(name)
            filename = "{language}/{rank:05d}.parquet" if final else "{rank:05d}.parquet"
            pipeline += [ProgressBeacon(layout.logs(name)), ParquetDocWriter(out_dir, filename=filename)]
            step_stages += [IO_STEP, IO_STEP]
            jobs.append(Job(name, "documents", tasks, stages, step_stages, pipeline, out_dir))
            documents_dir = out_dir
        else:
            steps = [TaskGuard(), *group.phase.build(documents_dir)]
            name = check_plain_name(f"{index + 1:02d}-{group.stage}-{group.phase.name}", "job name")
            step_stages = [IO_STEP] + [group.stage] * (len(steps) - 1)
            jobs.append(Job(name, "global", group.phase.tasks or tasks, [group.stage], step_stages, steps))
    return jobs
