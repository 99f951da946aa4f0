"""Stages → jobs. Consecutive per-document phases fuse into one document job (one pass over the
data); each GlobalPhase is a barrier job of its own. See docs/architecture.md."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from curator.config.loader import LoadedConfig
from curator.core.compat import datatrove_distribution_index
from curator.core.errors import ConfigError, CuratorError
from curator.core.estimates import input_pages
from curator.core.names import check_plain_name
from curator.core.paths import RunLayout
from curator.core.remote import (
    GLOB_CHARS,
    InputFile,
    RetryPolicy,
    glob_remote,
    is_remote,
    join_base,
    local_path,
    parse_select,
    probe,
    read_listing,
    redact,
    total_bytes,
)
from curator.stages import get_block_class
from curator.stages.base import BuildContext, DocPhase, GlobalPhase, unique_stage_names

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
    # records each task reads, estimated from the input's size (the job that reads the input; else
    # None): what the local executor loads before forking depends on it (text.tokenizers.worth_preloading)
    docs_per_task: float | None = None

    def describe(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "tasks": self.tasks,
            "stages": self.stages,
            "step_stages": self.step_stages,
            "output": str(self.output_dir) if self.output_dir else None,
        }


def resolve_inputs(loaded: LoadedConfig) -> list[InputFile]:
    """The input list: `input.paths` (local globs relative to the config file's folder, or URLs,
    globbed where the file system lists), or the entries of a listing (`paths_from` / `commoncrawl`)
    joined to `base`; then `select`. Every pattern must match and every remote file must answer
    (checked on up to `network.check_limit` of them); problems name their config key."""
    inp = loaded.config.input
    net = inp.network
    options = inp.storage_options
    files: list[InputFile] = []
    problems = []
    listing, base = inp.sources()
    if listing is None:
        for i, pattern in enumerate(inp.paths):
            key = f"input.paths[{i}]"
            if not is_remote(pattern):
                full = str(loaded.resolve(local_path(pattern)))
                matches = [
                    InputFile(str(Path(p)), Path(p).stat().st_size, key)
                    for p in sorted(glob.glob(full, recursive=True))
                    if Path(p).is_file()
                ]
                if not matches:
                    problems.append(f"{key}: no file matches '{pattern}' (looked for {full})")
            elif not GLOB_CHARS.search(pattern):
                matches = [InputFile(pattern, None, key)]  # checked by probe() below
            else:
                try:
                    matches = glob_remote(pattern, options, net.check_timeout_s)
                except Exception as e:
                    problems.append(f"{key}: cannot list '{redact(pattern)}': {type(e).__name__}: {e}")
                    continue
                for m in matches:
                    m.key = key
                if not matches:
                    problems.append(f"{key}: no file matches '{redact(pattern)}'")
            files.extend(matches)
    else:
        key = "input.commoncrawl" if inp.commoncrawl else "input.paths_from"
        where = listing if is_remote(listing) else str(loaded.resolve(local_path(listing)))
        policy = RetryPolicy(net.attempts, net.backoff_s, net.max_backoff_s, net.check_timeout_s)
        try:
            entries = read_listing(where, options, policy)
        except Exception as e:
            shown = e if isinstance(e, CuratorError) else f"{type(e).__name__}: {e}"
            raise ConfigError([f"{key}: cannot read the listing {redact(where)}: {shown}"]) from None
        if not entries:
            problems.append(f"{key}: the listing {redact(where)} has no entries")
        for lineno, entry in entries:
            if base:
                path = join_base(base, entry)
            elif is_remote(entry) or Path(entry).is_absolute():
                path = entry
            else:
                path = str(loaded.resolve(entry))
            size = None if is_remote(path) else _local_size(local_path(path))
            if size is None and not is_remote(path):
                problems.append(f"{key} (listing line {lineno}): no file '{path}'")
                continue
            files.append(InputFile(path, size, f"{key} (listing line {lineno})"))
    if problems:
        raise ConfigError(problems)
    files = list({f.path: f for f in files}.values())[parse_select(inp.select, len(files))]
    if not files:
        raise ConfigError([f"input.select: '{inp.select}' selects no file"])
    problems, _ = probe(files, options, net.check_timeout_s, limit=net.check_limit)
    if problems:
        raise ConfigError(problems)
    return files


def _local_size(path: str) -> int | None:
    p = Path(path)
    return p.stat().st_size if p.is_file() else None


def build_blocks(loaded: LoadedConfig) -> list:
    """Instantiate every stage's block and run its checks; all problems are reported at once."""
    datatrove_distribution_index()  # datatrove's steps check their packages: one metadata scan for all
    blocks, problems = [], []
    for i, (stage, name) in enumerate(
        zip(loaded.config.stages, unique_stage_names(loaded.config), strict=True)
    ):
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


def _reader(loaded: LoadedConfig, files: list[InputFile]):
    from curator.core.readers import JsonlDocReader, ParquetDocReader, WarcDocReader

    inp = loaded.config.input
    net = inp.network
    paths = [f.path if isinstance(f, InputFile) else str(f) for f in files]
    remote = {
        "storage_options": inp.storage_options,
        "retry": RetryPolicy(net.attempts, net.backoff_s, net.max_backoff_s, net.timeout_s),
    }
    if inp.format in ("warc", "wet"):
        return WarcDocReader(
            paths, wet=inp.format == "wet", dump=inp.dump, max_record_bytes=inp.max_record_bytes, **remote
        )
    if inp.format == "parquet":
        return ParquetDocReader(paths, inp.text_column, inp.id_column, inp.dump, **remote)
    return JsonlDocReader(paths, inp.text_column, inp.id_column, inp.dump, **remote)


def _records_per_task(loaded: LoadedConfig, files: list[InputFile], tasks: int) -> float | None:
    """The input records one task reads, from the input's size (None when no size is known)."""
    size, _exact = total_bytes(files)
    if not size:
        return None
    return input_pages(size, loaded.config.input.format) / max(1, min(tasks, len(files)))


def build_jobs(loaded: LoadedConfig, files: list[InputFile] | None = None) -> list[Job]:
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
            job = Job(name, "documents", tasks, stages, step_stages, pipeline, out_dir)
            if documents_dir is None:
                job.docs_per_task = _records_per_task(loaded, files, tasks)
            jobs.append(job)
            documents_dir = out_dir
        else:
            steps = [TaskGuard(), *group.phase.build(documents_dir)]
            name = check_plain_name(f"{index + 1:02d}-{group.stage}-{group.phase.name}", "job name")
            step_stages = [IO_STEP] + [group.stage] * (len(steps) - 1)
            jobs.append(Job(name, "global", group.phase.tasks or tasks, [group.stage], step_stages, steps))
    return jobs
