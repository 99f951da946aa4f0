"""The `curator` command: run, validate, plan, finalize, and the stage tools (lid, profiles, quality...)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from curator.core.errors import ConfigError, CuratorError

SET_HELP = (
    "Override a config key by dotted path; the value is YAML (e.g. executor.tasks=8, input.paths=[a,b])."
)


def _fail(e: CuratorError) -> None:
    lines = e.problems if isinstance(e, ConfigError) else [str(e)]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(e.exit_code)


def _load(config: str, overrides: tuple[str, ...]):
    from curator.config import load_config

    return load_config(config, overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="curator")
def main():
    """curator: Common Crawl WARC → clean, deduplicated, quality-scored, rebalanced Parquet per language.

    Write a YAML config (see configs/demo.yaml), check it with `curator validate`, look at the jobs with
    `curator plan`, run it with `curator run`.
    """


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option(
    "--executor", type=click.Choice(["local", "slurm"]), default=None, help="Override executor.kind."
)
@click.option("--fresh", is_flag=True, help="Delete the output folder's previous run and start over.")
@click.option(
    "--progress/--no-progress", default=None, help="Live progress (default: on when attached to a terminal)."
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Tasks' own log lines on the console too (the log files keep all)."
)
def run(config, overrides, executor, fresh, progress, verbose):
    """Run the whole stage graph of CONFIG. Rerunning the same command resumes: finished tasks are skipped."""
    from curator.exec.run import run as run_pipeline

    try:
        loaded = _load(config, overrides)
        reporter = None
        if progress or (progress is None and sys.stderr.isatty()):
            try:
                from curator.exec.progress import ProgressReporter

                reporter = ProgressReporter(loaded)
            except ImportError:
                reporter = None
        record = run_pipeline(loaded, fresh=fresh, executor=executor, progress=reporter, verbose=verbose)
    except CuratorError as e:
        _fail(e)
    if record.get("status") == "submitted":
        return  # the Slurm submitter printed the job ids
    _summary(loaded.output_dir, record)
    if loaded.output_url:
        click.echo(f"stored:    {loaded.output_url}/  (the folders above are its local working copy)")


def _summary(out: Path, record: dict) -> None:
    """The end of a run on the terminal: documents in → out per stage, and where everything is."""
    import json

    click.echo(f"done in {record.get('seconds', 0):.1f} s")
    order = dict.fromkeys(["read"] + [stage for j in record["jobs"] for stage in j["stages"]])
    for name in order:
        path = out / "stats" / f"{name}.json"
        if path.is_file():
            st = json.loads(path.read_text())
            click.echo(f"  {name:<12} {st.get('docs_in', 0):>10,} → {st.get('docs_out', 0):>10,} documents")
    click.echo(f"documents: {out / 'data'}")
    click.echo(f"stats:     {out / 'stats'}    logs: {out / 'logs'}")
    if (out / "report.html").is_file():
        click.echo(f"report:    {out / 'report.html'}")


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
def validate(config, overrides):
    """Check CONFIG without running: schema, input files, models, profiles. Exit 0 when all is well,
    else exit 2 with one line per problem naming the key path."""
    from curator.exec.run import plan as build_plan

    try:
        loaded = _load(config, overrides)
        files, jobs = build_plan(loaded)
        warnings = []
        if loaded.config.executor.kind == "slurm":
            from curator.exec.predict import memory_warnings, predict

            warnings = memory_warnings(loaded, predict(loaded, files, jobs)[1])
    except CuratorError as e:
        _fail(e)
    for line in warnings:
        click.echo(f"warning: {line}", err=True)
    click.echo(f"ok: {len(loaded.config.stages)} stages, {len(jobs)} jobs, {len(files)} input files")


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option(
    "--from",
    "pilot",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="A finished pilot run's output folder: predict from its measured rates instead of the defaults.",
)
def plan(config, overrides, pilot):
    """Print the stages, the jobs they become (tasks each), inputs and outputs, and per job the
    predicted peak memory per task, scratch disk and CPU-hours."""
    from curator.exec.predict import Pilot, format_plan, predict
    from curator.exec.run import plan as build_plan

    try:
        loaded = _load(config, overrides)
        files, jobs = build_plan(loaded)
        measured = Pilot.load(pilot) if pilot else None
        pages, predictions = predict(loaded, files, jobs, measured)
    except CuratorError as e:
        _fail(e)
    c = loaded.config
    click.echo(f"config: {loaded.path}  (name: {c.name})")
    from curator.core.remote import redact, total_bytes

    listing, base = c.input.sources()
    if listing:
        click.echo(f"listing: {redact(listing)}" + (f"  (entries joined to {redact(base)})" if base else ""))
    total, exact = total_bytes(files)
    size = f"{total / 1e6:,.1f} MB" if exact else f"≈{total / 1e6:,.1f} MB (estimated from the files checked)"
    click.echo(f"input: {len(files):,} {c.input.format} files, {size}")
    for f in files[:10]:
        click.echo(f"  {redact(f.path)}")
    if len(files) > 10:
        click.echo(f"  ... and {len(files) - 10} more")
    click.echo(f"executor: {c.executor.kind}, {c.executor.tasks} tasks, {c.executor.workers} workers")
    click.echo("stages: " + " → ".join(s.name for s in c.stages))
    click.echo("jobs:")
    for job in jobs:
        click.echo(f"  {job.name}  [{job.kind}, {job.tasks} tasks]  stages: {', '.join(job.stages)}")
        steps = [getattr(s, "name", type(s).__name__) for s in job.pipeline]
        click.echo(f"      steps: {' → '.join(str(s) for s in steps)}")
        if job.output_dir:
            click.echo(f"      writes: {job.output_dir}")
    click.echo(
        f"output: {loaded.output_dir}  (data/<language>/, mix/ + mix.json, README.md, stats/, removed/, logs/, run.json)"
    )
    for line in format_plan(loaded, pages, predictions, measured):
        click.echo(line)


@main.command()
@click.argument("output", type=click.Path(file_okay=False, exists=True))
def finalize(output):
    """Rebuild OUTPUT/stats/*.json, the dataset card OUTPUT/README.md (and the report) from the task logs,
    e.g. after a Slurm run."""
    from curator.core.paths import RunLayout
    from curator.exec.run import finalize as finalize_run

    layout = RunLayout(Path(output).resolve())
    if not layout.run_json.is_file():
        _fail(CuratorError(f"{output}: no run.json; is this a curator output folder?"))
    finalize_run(layout)
    click.echo(f"stats written to {layout.root / 'stats'}; dataset card: {layout.root / 'README.md'}")


@main.command()
@click.argument("output", type=click.Path(file_okay=False))
def status(output):
    """Per job and stage of the run in OUTPUT: tasks done/total/failed (with log paths), documents in/out,
    elapsed time. Works while a run is going (local or Slurm) and after it."""
    from curator.exec.state import failure_reason
    from curator.exec.status import run_status

    if not (Path(output) / "run.json").is_file():
        _fail(CuratorError(f"{output}: no run.json; is this a curator output folder?"))
    record, states, stats = run_status(output)
    click.echo(
        f"run '{record['name']}' ({record.get('executor', 'local')}): {record.get('status')}, "
        f"started {record.get('started_at')}"
        + (f", finished {record['finished_at']}" if record.get("finished_at") else "")
    )
    for st in states:
        line = f"  {st.name:<40} tasks {st.done}/{st.tasks} done"
        if st.running:
            line += f", {st.running} running"
        if st.failed:
            line += f", {len(st.failed)} failed"
        if st.slurm:
            line += "  slurm: " + ", ".join(f"{k} {v}" for k, v in st.slurm.items() if v)
        if st.kind == "documents":
            line += f"  docs out {st.docs_out:,}"
        if st.elapsed is not None:
            line += f"  {st.elapsed:.0f}s"
        click.echo(line)
        for rank, log in st.failed:
            click.echo(f"      task {rank if rank >= 0 else '?'} failed: see {log}")
            reason = failure_reason(log) if rank >= 0 else None
            if reason:
                click.echo(f"        {reason}")
    if record.get("finalize"):
        click.echo(
            "  finalize (stats, dataset card and report): "
            + ", ".join(f"{k} {v}" for k, v in record["finalize"].items() if v)
        )
    if stats:
        click.echo("stages (documents in → out, removed):")
        order = dict.fromkeys(["read"] + [stage for j in record["jobs"] for stage in j["stages"]])
        for name in (n for n in order if n in stats):
            st = stats[name]
            skipped = sum(st["skipped"].values())
            file_errors = st.get("file_errors") or {}
            retries = {
                k[len("retries/") :]: v for k, v in st.get("metrics", {}).items() if k.startswith("retries/")
            }
            click.echo(
                f"  {name:<12} {st['docs_in']:>10,} → {st['docs_out']:>10,}  removed {sum(st['removed'].values()):,}"
                + (f", skipped {skipped:,}" if skipped else "")
                + (
                    ", file errors " + ", ".join(f"{k} {v:,}" for k, v in sorted(file_errors.items()))
                    if file_errors
                    else ""
                )
                + (
                    ", retries " + ", ".join(f"{k} {v:,}" for k, v in sorted(retries.items()))
                    if retries
                    else ""
                )
            )
    outputs = [
        n for n in ("data", "mix", "mix.json", "README.md", "report.html") if (Path(output) / n).exists()
    ]
    if outputs:
        click.echo(f"outputs in {output}: {', '.join(outputs)}")


from curator.stages.quality.cli import quality_group  # noqa: E402  (stage tool groups register last)

main.add_command(quality_group)

from curator.calibrate.cli import profiles_group  # noqa: E402

main.add_command(profiles_group)

from curator.stages.lid.cli import lid_group  # noqa: E402

main.add_command(lid_group)


@main.command()
@click.argument("output", type=click.Path(file_okay=False))
def report(output):
    """Write OUTPUT/report.html: funnel, removal reasons, distributions, language mix, throughput, config."""
    from curator.report import write_report

    if not (Path(output) / "run.json").is_file():
        _fail(CuratorError(f"{output}: no run.json; is this a curator output folder?"))
    click.echo(f"report written to {write_report(output)}")


if __name__ == "__main__":
    main()
