"""`curator profiles ...`: the per-language profile tools."""

from __future__ import annotations

from pathlib import Path

import click

from curator.core.errors import CuratorError


@click.group("profiles")
def profiles_group() -> None:
    """Per-language profiles (lang_profiles/<language>.yaml)."""


@profiles_group.command("calibrate")
@click.option(
    "--input", "input_glob", required=True, help="Parquet files with `text` and `language` (glob, quoted)."
)
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for <language>.yaml."
)
@click.option(
    "--reference", default="eng_Latn", show_default=True, help="Language whose removal shares are matched."
)
@click.option("--min-docs", default=30, show_default=True, help="Documents for a full calibration.")
@click.option(
    "--min-docs-partial", default=5, show_default=True, help="Documents for stop words and word lengths."
)
@click.option("--max-docs", default=2000, show_default=True, help="Documents read per language (and source).")
@click.option(
    "--stoplists",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Curated stop-word lists (one word a line + names.tsv: file, iso639_3) to pick stop words from.",
)
@click.option(
    "--clean-text-guard",
    "max_removed_share",
    type=click.FloatRange(0, 1),
    default=None,
    help="The input is clean text: loosen any rule that removes more than this share of a language's "
    "documents (make profiles: 0.01). Leave unset for web documents.",
)
def calibrate_command(
    input_glob, out_dir, reference, min_docs, min_docs_partial, max_docs, stoplists, max_removed_share
) -> None:
    """Write a profile per language whose thresholds remove the same share of its documents as
    datatrove's English thresholds remove of the reference language (FineWeb2's method)."""
    from curator.calibrate.calibrate import CalibrationSettings, calibrate_profiles, read_documents
    from curator.calibrate.stopwords import load_stoplists

    settings = CalibrationSettings(
        reference=reference,
        min_docs=min_docs,
        min_docs_partial=min_docs_partial,
        max_docs=max_docs,
        max_removed_share=max_removed_share,
        stoplists=load_stoplists(Path(stoplists)) if stoplists else {},
    )
    try:
        results = calibrate_profiles(read_documents(input_glob), Path(out_dir), settings, inputs=input_glob)
    except CuratorError as e:
        raise click.ClickException(str(e)) from None
    tiers = {
        tier: [r.profile.language for r in results if r.tier == tier] for tier in ("full", "partial", "none")
    }
    click.echo(
        f"{len(results)} profiles in {out_dir}: {len(tiers['full'])} calibrated, "
        f"{len(tiers['partial'])} partly ({' '.join(tiers['partial']) or '-'}), "
        f"{len(tiers['none'])} without enough text, given their script's median or default.yaml "
        f"({' '.join(tiers['none']) or '-'}); summary: {out_dir}/CALIBRATION.md"
    )
