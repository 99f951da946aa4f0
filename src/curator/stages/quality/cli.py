"""`curator quality ...`: train a quality classifier from your own positive and negative documents."""

from __future__ import annotations

from pathlib import Path

import click

from curator.core.errors import CuratorError
from curator.stages.quality.train import TrainSettings


class _UserError(click.ClickException):
    exit_code = CuratorError.exit_code


@click.group("quality")
def quality_group():
    """Quality classifiers for the `quality` stage."""


@quality_group.command()
@click.option(
    "--positive",
    "positives",
    multiple=True,
    required=True,
    metavar="GLOB",
    help="Files of good documents (Parquet, JSONL, or .txt with one document per line). Repeatable.",
)
@click.option(
    "--negative",
    "negatives",
    multiple=True,
    required=True,
    metavar="GLOB",
    help="Files of documents to rank low, same formats. Repeatable.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Model file to write (quantised fastText, .ftz).",
)
@click.option("--text-column", default="text", show_default=True, help="Parquet/JSONL field with the text.")
@click.option(
    "--valid-fraction",
    type=click.FloatRange(0, 0.9),
    default=0.1,
    show_default=True,
    help="Share of documents held back to measure the model.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Split and training seed.")
@click.option("--epoch", type=click.IntRange(1), default=10, show_default=True)
@click.option(
    "--cutoff",
    type=click.IntRange(100),
    default=TrainSettings.cutoff,
    show_default=True,
    help="Quantisation keeps at most this many words and n-grams (model size and training time).",
)
def train(positives, negatives, out, text_column, valid_fraction, seed, epoch, cutoff):
    """Train a classifier (positive = __label__hq), quantise it, and print held-out precision,
    recall, F1 and ROC-AUC. Use it in a config as `quality: {classifiers: {<name>: <out>}}`."""
    from curator.stages.quality.train import (
        Example,
        held_out_metrics,
        read_texts,
        score_examples,
        split_by_group,
        train_classifier,
    )

    try:
        examples = []
        for patterns, positive in ((positives, True), (negatives, False)):
            for pattern in patterns:
                for i, (path, text) in enumerate(read_texts(pattern, text_column)):
                    examples.append(Example(text, positive, group=f"{path}:{i}", source=path))
        train_set, valid_set = split_by_group(examples, valid_fraction, seed)
        n_pos = sum(e.positive for e in train_set)
        click.echo(
            f"documents: {len(examples)} ({len(train_set)} train: {n_pos} positive, "
            f"{len(train_set) - n_pos} negative; {len(valid_set)} held out)"
        )
        train_classifier(train_set, out, TrainSettings(epoch=epoch, seed=seed, cutoff=cutoff))
    except CuratorError as e:
        raise _UserError(str(e)) from None
    click.echo(f"model: {out} ({out.stat().st_size / 1e6:.2f} MB)")
    if valid_set:
        scores = score_examples(out, valid_set)
        click.echo(held_out_metrics([e.positive for e in valid_set], scores).summary())
    else:
        click.echo("no held-out documents (--valid-fraction 0): no metrics")
