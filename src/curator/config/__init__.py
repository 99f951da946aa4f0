"""The pipeline config: typed schema (schema.py) and YAML loading with --set overrides (loader.py)."""

from curator.config.loader import load_config
from curator.config.schema import ExecutorConfig, InputConfig, PipelineConfig, SlurmConfig, StageConfig

__all__ = ["load_config", "PipelineConfig", "InputConfig", "ExecutorConfig", "SlurmConfig", "StageConfig"]
