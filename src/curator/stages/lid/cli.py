"""`curator lid identify [FILE]`: one `label<TAB>score` line per input line (stdin by default)."""

from __future__ import annotations

import click

from curator.stages.lid.engines import DEFAULT_VOTERS, ENGINES, VOTERS, make_engine, normalize_text


@click.group(name="lid")
def lid_group() -> None:
    """Language identification."""


@lid_group.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default="ensemble", show_default=True)
@click.option(
    "--model",
    type=click.Path(exists=True, dir_okay=False),
    help="local fastText LID model (default lid.176.ftz)",
)
@click.option(
    "--voters",
    default=",".join(DEFAULT_VOTERS),
    show_default=True,
    help=f"engines the ensemble combines, comma-separated, among {', '.join(VOTERS)}",
)
def identify(file, engine: str, model: str | None, voters: str) -> None:
    """Identify the language of each line of FILE (or stdin): prints `label<TAB>score` per line."""
    try:
        lid = make_engine(engine, model, [v.strip() for v in voters.split(",") if v.strip()])
    except (FileNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    for line in file:
        label, score = lid.predict(normalize_text(line), 1)[0]
        click.echo(f"{label}\t{score:.4f}")
