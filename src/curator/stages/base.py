"""What a block is: typed params, checks done at `validate` time, and the phases it adds to the graph.

A block (one stage of the config) yields phases:
- `DocPhase`: datatrove steps applied to the document stream. Consecutive DocPhases, also of
  different blocks, are fused into one executor run (one pass over the data).
- `GlobalPhase`: a barrier. It runs after every task of the runs before it has finished, as its
  own executor run with its own task count, reading side files (e.g. MinHash buckets) and/or the
  latest materialised documents folder it is given.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from curator.core.estimates import PhaseCost, Workload
from curator.core.paths import RunLayout

if TYPE_CHECKING:
    from datatrove.pipeline.base import PipelineStep


class LoadedRun(Protocol):
    """What a block reads of the loaded config (config.loader.LoadedConfig provides it). A protocol, not
    an import: the config layer sits above the stages and resolves block names through them."""

    config: Any
    output_dir: Path

    def resolve(self, path: str | Path) -> Path: ...


class BlockParams(BaseModel):
    """Base of every block's params: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class ProfilesParams(BlockParams):
    """Params of a block whose thresholds come from the per-language profiles."""

    profiles: str | None = Field(
        None,
        description="lang_profiles folder, relative to the config file (default: the bundled lang_profiles/)",
    )


@dataclass
class BuildContext:
    """What a block may know about the run it is part of."""

    loaded: LoadedRun
    stage: str  # unique stage name: block name, or name_2 for a second use of the same block
    stage_index: int

    @property
    def config(self):
        return self.loaded.config

    @property
    def layout(self) -> RunLayout:
        return RunLayout(self.loaded.output_dir)

    def resolve(self, path: str | Path) -> Path:
        """A path from the config: relative to the config file's folder."""
        return self.loaded.resolve(path)

    @property
    def stage_dir(self) -> Path:
        """OUTPUT/stages/<stage>/ for this stage's side files."""
        return self.layout.stage(self.stage)

    def exclusion_writer(self, part: str = ""):
        """Writer for documents this stage removes: OUTPUT/removed/<stage>/[part-]<rank>.parquet.

        Named after datatrove's BaseFilter `exclusion_writer` argument, which every removing step takes.

        Use one writer per removing step (give each a distinct `part`): files are named by rank.
        Removed documents carry their `reason` (and whatever metadata they had).
        """
        from curator.core.writer import ParquetDocWriter

        prefix = f"{part}-" if part else ""
        return ParquetDocWriter(self.layout.removed(self.stage), filename=prefix + "{rank:05d}.parquet")


def unique_stage_names(config) -> list[str]:
    """Each stage's unique name: its block name, or `name_2`, `name_3`... for later uses of the same block.

    Output folders, stat files and job names are keyed by it, so the rule lives here, once.
    """
    names, seen = [], {}
    for stage in config.stages:
        base = stage.name
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return names


@dataclass
class DocPhase:
    steps: list[PipelineStep]


@dataclass
class GlobalPhase:
    """A barrier job. `build(documents_dir)` returns its full step list (readers and writers included).

    `documents_dir` is the folder of the latest materialised documents when this phase runs
    (e.g. OUTPUT/data for phases after the last DocPhase).
    """

    name: str  # job name suffix: the job is called "<stage>-<name>"
    build: Callable[[Path], list[PipelineStep]]
    tasks: int | None = 1  # None: executor.tasks


@dataclass
class Problem:
    key: str  # relative to the block's params, e.g. "model" ("" for the block as a whole)
    message: str


class Block(ABC):
    """One stage. Subclass, set `name` and `Params`, implement `phases()` (and `check()` if it has files)."""

    name: ClassVar[str]
    Params: ClassVar[type[BlockParams]] = BlockParams
    # columns this stage adds to the documents (documentation and `plan`)
    columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: BlockParams, ctx: BuildContext):
        self.params = params
        self.ctx = ctx

    def check(self) -> list[Problem]:
        """Problems found without running (files exist, models load). Called by `validate` and `run`."""
        return []

    def profiles_dir(self) -> str | None:
        """The `profiles` param resolved against the config file's folder; None: the bundled profiles."""
        folder = getattr(self.params, "profiles", None)
        return str(self.ctx.resolve(folder)) if folder else None

    def profiles_problems(self) -> list[Problem]:
        from curator.text.profiles import check_profiles_dir

        problem = check_profiles_dir(self.profiles_dir(), shown=getattr(self.params, "profiles", None))
        return [Problem("profiles", problem)] if problem else []

    @abstractmethod
    def phases(self) -> list[DocPhase | GlobalPhase]:
        """The phases this stage adds to the run, in order."""

    def costs(self, work: Workload) -> list[PhaseCost]:
        """Predicted memory, scratch disk and CPU of this stage's phases (`curator plan`); a stage
        that does not say costs only the document job's base."""
        return []


@dataclass
class _StepParams:
    kwargs: dict[str, Any] = field(default_factory=dict)


def datatrove_step_block(step_cls: type, import_name: str) -> type[Block]:
    """Wrap a plain datatrove PipelineStep class as a block: params are its constructor kwargs."""

    class _Params(BlockParams):
        model_config = ConfigDict(extra="allow")

    class _StepBlock(Block):
        name = import_name
        Params = _Params

        def check(self) -> list[Problem]:
            try:
                inspect.signature(step_cls).bind(**(self.params.model_extra or {}))
            except TypeError as e:
                return [Problem("", f"{step_cls.__name__}: {e}")]
            return []

        def phases(self):
            return [DocPhase([step_cls(**(self.params.model_extra or {}))])]

    _StepBlock.__name__ = f"{step_cls.__name__}Block"
    return _StepBlock
