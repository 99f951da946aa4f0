"""Load a YAML config, apply `--set key.path=value` overrides, validate everything with key paths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from curator.config.schema import PipelineConfig, StageConfig
from curator.core.errors import ConfigError, format_loc, pydantic_problems
from curator.core.remote import is_remote, local_path
from curator.core.store import RunStore

_INDEX = re.compile(r"^(.*)\[(\d+)\]$")


@dataclass
class LoadedConfig:
    config: PipelineConfig
    path: Path  # the YAML file
    raw: dict  # the dict after overrides, before validation (kept in run.json)

    @property
    def base_dir(self) -> Path:
        """Relative paths in a config are relative to the config file's folder."""
        return self.path.parent

    def resolve(self, path: str | Path) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def output_url(self) -> str | None:
        """`output` when it is on an object store (s3://...), else None."""
        output = self.config.output
        return output.rstrip("/") if is_remote(output) else None

    @property
    def output_dir(self) -> Path:
        """The run's local folder: `output` (relative to the current directory, like any CLI output
        path), or, with `output` on an object store, its local working copy (output_store.staging)."""
        url = self.output_url
        if url is None:
            return Path(local_path(self.config.output)).expanduser().resolve()
        staging = self.config.output_store.staging
        if staging:
            return Path(staging).expanduser().resolve()
        where = url.split("://", 1)[1]
        parts = [p for p in where.split("/") if p not in ("", ".", "..")]  # stays inside the cache folder
        return Path("~/.cache/curator/staging").expanduser().joinpath(*parts).resolve()

    def output_store(self) -> RunStore | None:
        """The object store the run is uploaded to (see core.store), or None for a local output."""
        url = self.output_url
        if url is None:
            return None
        return RunStore(url, self.config.output_store.storage_options, self.output_dir)


def _split_key(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for raw in key.split("."):
        indices = []
        while (m := _INDEX.match(raw)) is not None:
            raw, idx = m.group(1), int(m.group(2))
            indices.insert(0, idx)
        if raw:
            parts.append(int(raw) if raw.isdigit() else raw)
        parts.extend(indices)
    return parts


def apply_override(raw: dict, assignment: str) -> None:
    """Set one `key.path=value` (value parsed as YAML) in the raw config dict."""
    if "=" not in assignment:
        raise ConfigError([f"--set {assignment}: expected KEY=VALUE, e.g. executor.tasks=8"])
    key, value_text = assignment.split("=", 1)
    try:
        value = yaml.safe_load(value_text) if value_text != "" else ""
    except yaml.YAMLError as e:
        raise ConfigError([f"--set {key}: value is not valid YAML: {e}"]) from None
    parts = _split_key(key.strip())
    if not parts:
        raise ConfigError([f"--set {assignment}: empty key"])
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, list):
            if not isinstance(part, int) or part >= len(node):
                raise ConfigError([f"--set {key}: {format_loc(parts[: i + 1])} is not an item of the list"])
            node = node[part]
            continue
        if not isinstance(node, dict):
            raise ConfigError([f"--set {key}: {format_loc(parts[:i])} is not a mapping"])
        if node.get(part) is None:
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last > len(node):
            raise ConfigError([f"--set {key}: index out of range"])
        if last == len(node):
            node.append(value)
        else:
            node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ConfigError([f"--set {key}: {format_loc(parts[:-1])} is not a mapping"])


def read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except OSError as e:
        raise ConfigError([f"{path}: cannot read config: {e.strerror}"]) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError([f"{path}: not valid YAML: {e}".replace("\n", " ")]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(
            [f"{path}: the top level must be a mapping (name, input, output, executor, stages)"]
        )
    return raw


def _parse_stages(raw_stages: Any, problems: list[str]) -> list[dict]:
    """`stages` is a list of one-key mappings {block-name: params}; turn them into StageConfig dicts."""
    from curator.stages import get_block_class

    parsed = []
    if not isinstance(raw_stages, list):
        problems.append("stages: expected a list of {block-name: params} items")
        return parsed
    for i, item in enumerate(raw_stages):
        if isinstance(item, str):
            item = {item: {}}
        if not isinstance(item, dict) or len(item) != 1:
            problems.append(f"stages[{i}]: expected one {{block-name: params}} mapping, got {item!r}")
            continue
        ((block_name, params),) = item.items()
        try:
            block_cls = get_block_class(block_name)
        except ConfigError as e:
            problems.extend(f"stages[{i}].{block_name}: {p}" for p in e.problems)
            continue
        if params is None:
            params = {}
        if not isinstance(params, dict):
            problems.append(f"stages[{i}].{block_name}: expected a mapping of parameters, got {params!r}")
            continue
        try:
            model = block_cls.Params.model_validate(params)
        except ValidationError as e:
            problems.extend(pydantic_problems(e, prefix=("stages", i, block_name)))
            continue
        parsed.append({"block": block_name, "params": model})
    return parsed


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> LoadedConfig:
    """Read, override and validate a config. Raises ConfigError listing every problem with its key path."""
    path = Path(path).expanduser().resolve()
    raw = read_yaml(path)
    for assignment in overrides:
        apply_override(raw, assignment)
    problems: list[str] = []
    stages = _parse_stages(raw.get("stages"), problems) if "stages" in raw else None
    stage_problems = bool(problems)
    top = {k: v for k, v in raw.items() if k != "stages"}
    if stages is not None:
        top["stages"] = [StageConfig.model_construct(**s) for s in stages]
        if stage_problems and not stages:  # already reported per stage; do not add "list is empty"
            top["stages"] = [StageConfig.model_construct(block="?", params=None)]
    try:
        config = PipelineConfig.model_validate(top)
    except ValidationError as e:
        problems.extend(pydantic_problems(e))
        config = None
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(config=config, path=path, raw=raw)
