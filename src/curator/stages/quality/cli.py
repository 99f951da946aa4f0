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


def _language_files(values: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        language, sep, pattern = value.partition("=")
        if not sep or not language or not pattern:
            raise _UserError(f"--text {value!r}: give LANGUAGE=GLOB, e.g. dan_Latn='corpus/da/*.txt'")
        out.setdefault(language, []).append(pattern)
    return out


@quality_group.command("train-lm")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for <language>.arpa.gz + <language>.json (the quality stage's fluency.models).",
)
@click.option(
    "--lid-dev",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="lid-dev folder (<iso639-3>.txt + languages.tsv); default: $CURATOR_SHARED_DATA/lid-dev or "
    "../shared/data/lid-dev beside the checkout, when present.",
)
@click.option("--no-lid-dev", is_flag=True, help="Do not read lid-dev.")
@click.option(
    "--no-udhr", is_flag=True, help="Do not read the bundled UDHR (data/calibration/udhr.jsonl.gz)."
)
@click.option(
    "--no-lm-text", is_flag=True, help="Do not read the bundled data/lm-text/<language>.txt.gz (Assamese)."
)
@click.option(
    "--text",
    "texts",
    multiple=True,
    metavar="LANGUAGE=GLOB",
    help="More training text for a language (Parquet, JSONL, or one document per line). Repeatable.",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    metavar="LANGUAGE",
    help="Only these languages (repeatable; default: every language with enough text).",
)
@click.option(
    "--order", type=click.IntRange(1, 6), default=3, show_default=True, help="n-gram order (words)."
)
@click.option(
    "--min-tokens",
    type=click.IntRange(1),
    default=1_000,
    show_default=True,
    help="Skip (and list) languages with less training text: their documents fall back to no fluency score.",
)
@click.option("--folds", type=click.IntRange(2), default=5, show_default=True, help="Cross-validation folds.")
def train_lm(out, lid_dev, no_lid_dev, no_udhr, no_lm_text, texts, languages, order, min_tokens, folds):
    """Train per-language word n-gram language models (Kneser-Ney) for the fluency score, offline,
    and calibrate their thresholds on held-out clean text. Prints one line per language."""
    import os

    from curator.core.paths import checkout_root
    from curator.stages.quality.ngram import sentences
    from curator.stages.quality.train_lm import LM_TEXT, UDHR_BUNDLE, collect_texts, train_language

    if lid_dev is None and not no_lid_dev:
        root = checkout_root()
        default = root.parent / "shared" / "data" if root else None
        shared = Path(os.environ["CURATOR_SHARED_DATA"]) if "CURATOR_SHARED_DATA" in os.environ else default
        lid_dev = shared / "lid-dev" if shared and (shared / "lid-dev").is_dir() else None
    if no_lid_dev:
        lid_dev = None
    if lid_dev is not None and not (lid_dev / "languages.tsv").is_file():
        raise _UserError(
            f"{lid_dev}: no languages.tsv (not a lid-dev folder); give --lid-dev or --no-lid-dev"
        )
    try:
        corpora = collect_texts(
            lid_dev,
            None if no_udhr else UDHR_BUNDLE,
            _language_files(texts),
            None if no_lm_text else LM_TEXT,
        )
    except CuratorError as e:
        raise _UserError(str(e)) from None
    wanted = set(languages) or set(corpora)
    missing = sorted(wanted - set(corpora))
    skipped = []
    for language in sorted(wanted & set(corpora)):
        text = corpora[language]
        tokens = sum(len(t) for u in text.units for t in sentences(u))
        if tokens < min_tokens:
            skipped.append(f"{language} ({tokens})")
            continue
        info = train_language(text, out, order, folds)
        p = info["clean_percentiles"]
        click.echo(
            f"{language}: {info['tokens']} tokens from {', '.join(info['sources'])}; "
            f"n-grams {info['ngrams']}; clean p20 {p[19] if p else 'n/a'}"
        )
    if skipped:
        click.echo(f"under --min-tokens {min_tokens} (no model, fall back): {', '.join(skipped)}")
    if missing:
        click.echo(f"no text at all for: {', '.join(missing)}")
