"""The config schema is this code: every key, its type, default and meaning. Unknown keys are errors."""

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveInt,
    field_serializer,
    field_validator,
    model_validator,
)

from curator.core.names import check_plain_name, is_plain_name


class StrictModel(BaseModel):
    """Base for every config section: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class NetworkConfig(StrictModel):
    """How remote inputs are read (core/remote.py): what is retried, how long, and the checks."""

    attempts: PositiveInt = Field(
        8,
        description="attempts at one byte offset before the task fails (a rerun retries the file); "
        "bytes read in between start the count again",
    )
    backoff_s: float = Field(1.0, gt=0, description="first retry delay; doubles per attempt, with jitter")
    max_backoff_s: float = Field(60.0, gt=0, description="longest retry delay")
    timeout_s: float = Field(60.0, gt=0, description="connect / read silence before a request is retried")
    check_timeout_s: float = Field(
        10.0, gt=0, description="`validate`/`plan`/`run`: timeout of the existence check of each remote input"
    )
    check_limit: PositiveInt = Field(
        1000, description="at most this many remote inputs are checked (spread over the list) before a run"
    )


class InputConfig(StrictModel):
    """What to read. Give exactly one of `paths`, `paths_from`, `commoncrawl`."""

    format: Literal["warc", "wet", "parquet", "jsonl"] = Field(
        "warc", description="warc | wet | parquet | jsonl"
    )
    paths: list[str] | None = Field(
        None,
        min_length=1,
        description="local paths or globs (relative to the config file's folder), or URLs: s3://, "
        "https://, http://, hf://, file://; globs where the file system lists (local, s3, hf)",
    )
    paths_from: str | None = Field(
        None,
        description="a listing, one path or URL per line (.gz allowed), local (relative to the config "
        "file's folder) or remote, e.g. Common Crawl's warc.paths.gz",
    )
    base: str | None = Field(
        None,
        description="prefix of the relative entries of `paths_from` (e.g. https://data.commoncrawl.org/); "
        "with `commoncrawl`: where the dump is (default from `via`)",
    )
    commoncrawl: str | None = Field(
        None,
        pattern=r"^CC-MAIN-\d{4}-\d{2}$",
        description="Common Crawl dump, e.g. CC-MAIN-2024-22: reads its <format>.paths.gz listing "
        "(format warc or wet); `curator plan` shows what it expands to",
    )
    via: Literal["s3", "https"] = Field(
        "https",
        description="commoncrawl: s3 (s3://commoncrawl/, needs AWS credentials) or https "
        "(https://data.commoncrawl.org/)",
    )
    select: str | None = Field(
        None,
        pattern=r"^-?\d*:-?\d*(:-?\d+)?$",
        description="a slice of the input list, Python style, e.g. '0:900' (a pilot) or '::100'",
    )
    storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description="passed to fsspec, e.g. {anon: true} or {client_kwargs: {endpoint_url: ...}}; "
        "credentials are better left to the environment / AWS config (never written to run.json)",
    )
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    text_column: str = Field("text", description="parquet/jsonl: column holding the text")
    id_column: str = Field("id", description="parquet/jsonl: column holding the document id")
    dump: str | None = Field(
        None, description="dump label for every document (default: read from the path, e.g. CC-MAIN-2024-22)"
    )
    max_record_bytes: PositiveInt = Field(
        10_000_000, description="WARC records with a larger payload are skipped (reason record_too_large)"
    )

    @model_validator(mode="after")
    def _one_source(self):
        given = [k for k in ("paths", "paths_from", "commoncrawl") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of input.paths, input.paths_from, input.commoncrawl"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.commoncrawl and self.format not in ("warc", "wet"):
            raise ValueError("input.commoncrawl reads WARC or WET files: set input.format to warc or wet")
        if self.base is not None and self.paths is not None:
            raise ValueError("input.base applies to input.paths_from or input.commoncrawl, not input.paths")
        return self

    @field_serializer("storage_options")
    def _redacted(self, options: dict) -> dict:
        """Dumps (run.json, fingerprints) never carry credentials."""
        from curator.core.remote import redact_options

        return redact_options(options)

    def sources(self) -> tuple[str | None, str | None]:
        """(listing, base) for paths_from / commoncrawl; (None, None) for paths."""
        if self.commoncrawl:
            from curator.core.remote import COMMONCRAWL_BASES

            base = self.base or COMMONCRAWL_BASES[self.via]
            return f"{base.rstrip('/')}/crawl-data/{self.commoncrawl}/{self.format}.paths.gz", base
        return self.paths_from, self.base

    @field_validator("dump")
    @classmethod
    def _dump_is_a_name(cls, value: str | None) -> str | None:
        return None if value is None else check_plain_name(value, "dump")


class SlurmStageOverride(StrictModel):
    """The shape of one job on Slurm; unset keys fall back to `executor.slurm`."""

    time: str | None = Field(None, description="time limit of each array task, e.g. 02:00:00")
    cpus_per_task: PositiveInt | None = None
    mem_per_cpu_gb: float | None = Field(None, gt=0)
    partition: str | None = None
    tasks: PositiveInt | None = Field(
        None,
        description="must equal the job's task count (`curator plan`): document jobs read the previous "
        "job's output by task number, so the count is set for all of them by executor.tasks",
    )
    tasks_per_job: PositiveInt | None = Field(
        None, description="curator tasks run one after another by each array task (fewer, longer array tasks)"
    )
    max_running_tasks: PositiveInt | None = Field(
        None, description="at most this many array tasks of the job run at once (Slurm's --array=...%N)"
    )


class SlurmConfig(StrictModel):
    partition: str = "debug"
    time: str = Field("04:00:00", description="time limit of each array task (per-job: `stages`)")
    cpus_per_task: PositiveInt = 1
    mem_per_cpu_gb: float = Field(2.0, gt=0)
    qos: str | None = None
    account: str | None = None
    sbatch_args: dict[str, str] = Field(
        default_factory=dict,
        description="extra #SBATCH options without the dashes, e.g. {constraint: cpu}; '' for a flag",
    )
    venv_path: str | None = Field(
        None,
        description="activate script the jobs source, relative to the config file's folder "
        "(default: the venv of the running interpreter)",
    )
    max_array_size: PositiveInt = Field(
        1001, description="the cluster's MaxArraySize: larger jobs are split into several arrays"
    )
    tasks_per_job: PositiveInt = Field(
        1, description="curator tasks run one after another by each array task (fewer, longer array tasks)"
    )
    max_running_tasks: PositiveInt | None = Field(
        None, description="at most this many array tasks of a job run at once (Slurm's --array=...%N)"
    )
    stages: dict[str, SlurmStageOverride] = Field(
        default_factory=dict,
        description="per-job overrides keyed by job name (see `curator plan`), job name without its "
        "number (dedup-cluster), stage name (all jobs of the stage), or `finalize`",
    )


class ExecutorConfig(StrictModel):
    kind: Literal["local", "slurm"] = "local"
    tasks: PositiveInt = Field(4, description="shards of work per stage")
    workers: PositiveInt = Field(2, description="parallel processes on the local executor")
    stall_seconds: NonNegativeFloat = Field(
        1800,
        description="local executor: stop the run when a task shows no progress (no log line, no document) "
        "for this long, naming the task and its log; 0 = wait for ever",
    )
    slurm: SlurmConfig = Field(default_factory=SlurmConfig)


class OutputStoreConfig(StrictModel):
    """With `output` on an object store (s3://bucket/run): how it is reached, and the local working copy."""

    storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description="passed to fsspec for the output, e.g. {client_kwargs: {endpoint_url: ...}}; credentials "
        "are better left to the environment / AWS config (never written to run.json)",
    )
    staging: str | None = Field(
        None,
        description="local working copy of the run, uploaded as files finish (default: "
        "~/.cache/curator/staging/<bucket>/<path>); on Slurm, a folder every node sees",
    )

    @field_serializer("storage_options")
    def _redacted(self, options: dict) -> dict:
        from curator.core.remote import redact_options

        return redact_options(options)


class StageConfig(StrictModel):
    """One item of `stages`: a block name (registry name or `module:Class`) and its validated params."""

    block: str
    params: Any = None

    @field_validator("block")
    @classmethod
    def _name_is_a_folder_name(cls, value: str) -> str:
        name = value.rsplit(":", 1)[-1].rsplit(".", 1)[-1] if ":" in value else value
        if not is_plain_name(name):  # the stage's name becomes stats/<name>.json and removed/<name>/
            check_plain_name(name, f"stage name (from block '{value}')")
        return value

    @property
    def name(self) -> str:
        """The stage's name in outputs (stats/<name>.json, removed/<name>/)."""
        return self.block.rsplit(":", 1)[-1].rsplit(".", 1)[-1] if ":" in self.block else self.block


class PipelineConfig(StrictModel):
    name: str = Field(..., description="the run's name (Slurm job names): letters, digits, '.', '_', '-'")
    input: InputConfig
    output: str = Field(
        ...,
        description="run folder, relative to the current directory unless absolute; or an object store "
        "URL (s3://bucket/run), written through a local working copy (output_store)",
    )
    output_store: OutputStoreConfig = Field(default_factory=OutputStoreConfig)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    stages: list[StageConfig] = Field(..., min_length=1)
    report: bool = Field(True, description="write OUTPUT/report.html at the end of `curator run`")

    @field_validator("name")
    @classmethod
    def _name_is_plain(cls, value: str) -> str:
        return check_plain_name(value, "name")

    @field_validator("output")
    @classmethod
    def _output_is_writable_kind(cls, value: str) -> str:
        from curator.core.remote import is_remote, scheme

        if is_remote(value) and scheme(value) in ("http", "https", "hf"):
            raise ValueError(
                f"{scheme(value)}:// cannot be written to: give a local folder or s3://bucket/run"
            )
        return value
