"""Block registry: a stage name in the config -> the Block class that builds its datatrove steps.

Built-in blocks are imported lazily (a stage's heavy dependencies load only when it is used).
A user block is named by import path, `my_pkg.blocks:MyBlock`: either a curator `Block` subclass,
or any datatrove `PipelineStep` subclass (its constructor arguments are the stage's params).
"""

from __future__ import annotations

import importlib

from curator.core.errors import ConfigError

BUILTIN_BLOCKS: dict[str, str] = {
    "extract": "curator.stages.extract.block:ExtractBlock",
    "lid": "curator.stages.lid.block:LidBlock",
    "filters": "curator.stages.filters.block:FiltersBlock",
    "dedup": "curator.stages.dedup.block:DedupBlock",
    "quality": "curator.stages.quality.block:QualityBlock",
    "rebalance": "curator.stages.rebalance.block:RebalanceBlock",
}


def _import(target: str):
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise ConfigError([f"cannot import module '{module_name}' ({e.msg}); is it installed?"]) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError([f"module '{module_name}' has no '{attr}'"]) from None


def get_block_class(name: str):
    """Resolve a stage name to a Block class (wrapping plain datatrove steps)."""
    from datatrove.pipeline.base import PipelineStep

    from curator.stages.base import Block, datatrove_step_block

    if name in BUILTIN_BLOCKS:
        return _import(BUILTIN_BLOCKS[name])
    if ":" not in name:
        known = ", ".join(sorted(BUILTIN_BLOCKS))
        raise ConfigError(
            [f"unknown block '{name}' (built-in blocks: {known}; or name one as 'module:Class')"]
        )
    obj = _import(name)
    if isinstance(obj, type) and issubclass(obj, Block):
        return obj
    if isinstance(obj, type) and issubclass(obj, PipelineStep):
        return datatrove_step_block(obj, name)
    raise ConfigError([f"'{name}' is neither a curator Block nor a datatrove PipelineStep subclass"])
