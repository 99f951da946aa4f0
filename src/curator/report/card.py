"""OUTPUT/README.md: the run's output as a Hugging Face dataset card.

With it, `datasets.load_dataset(OUTPUT, name="deu_Latn")` loads one language and `name="mix"` the
rebalanced training mix, as FineWeb2 is loaded; the Hub shows the same card after an upload. Every
number comes from stats/, mix.json and run.json (the sources report.html reads), so the card and the
report agree; it is rewritten at the end of each run and by `curator finalize`, never edited by
hand. The one line a user sets, `license`, is kept from the previous card when they set it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from curator.core.atomic import write_text_atomic
from curator.core.paths import RunLayout
from curator.report.build import load_stats, read_json, stage_reasons

CARD_FILE = "README.md"
MIX_CONFIG = "mix"
REBALANCE_BLOCK = "rebalance"
DEFAULT_CHARS_PER_TOKEN = 4.0  # rebalance's default estimator, used when the run has no mix.json
UNSET_LICENSE = "other"
COMMON_CRAWL_TERMS = "https://commoncrawl.org/terms-of-use"
DUMP_NAME = re.compile(r"CC-MAIN-\d{4}-\d{2}", re.IGNORECASE)
TOP_REASONS = 5
MAX_LISTED_INPUTS = 20
# the Hub's size_categories: (exclusive upper bound of the row count, tag)
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)
COLUMN_DOCS = {
    "id": "the WARC-Record-ID of the page",
    "text": "the extracted text",
    "url": "the page's URL (WARC-Target-URI)",
    "date": "the crawl date (WARC-Date)",
    "dump": "the Common Crawl dump the page comes from",
    "source_file": "the WARC/WET file it was read from",
    "language": "language label (ISO 639-3 code and ISO 15924 script, e.g. deu_Latn; und: none assigned)",
    "language_score": "the language identifier's confidence in `language`",
    "lid_top3": "the identifier's three best labels with their scores",
    "lid_mix": "the languages of the page's segments with their shares of its content (code-switched text)",
    "minhash_cluster_size": "documents in the page's near-duplicate cluster before dedup kept one",
    "quality_score": "the quality ensemble's score (0-1, higher is better)",
    "repetitions": "times the document appears in the training mix (weight it by this column)",
}


def size_category(rows: int) -> str:
    for bound, tag in SIZE_CATEGORIES:
        if rows < bound:
            return tag
    return "n>1T"


def language_folders(folder: Path) -> dict[str, list[Path]]:
    """{language: its visible Parquet shards} under folder/<language>/ (hidden .tmp files skipped)."""
    if not folder.is_dir():
        return {}
    out = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        shards = sorted(p for p in sub.glob("*.parquet") if not p.name.startswith("."))
        if shards:
            out[sub.name] = shards
    return out


def stage_blocks(record: dict) -> dict[str, str]:
    """{stage name in stats/: its block}: run.json lists the stages in config order in its jobs."""
    names = list(dict.fromkeys(s for job in record.get("jobs", []) for s in job["stages"]))
    blocks = [s.get("block", "") for s in record.get("config", {}).get("stages", [])]
    return dict(zip(names, blocks, strict=False))


def _previous_license(path: Path) -> str | None:
    """A license the user set in the previous card (the only line of it that is theirs)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    if not match:
        return None
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        return None
    license_ = meta.get("license") if isinstance(meta, dict) else None
    return license_ if isinstance(license_, str) and license_ != UNSET_LICENSE else None


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict) and value:
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def key_settings(block: str, params) -> dict:
    """The params a stage was given that differ from its block's defaults (all of them for a user block)."""
    if not isinstance(params, dict):
        return {}
    given = _flatten(params)
    try:
        from curator.stages import get_block_class

        defaults = _flatten(get_block_class(block).Params().model_dump(mode="json"))
    except Exception:  # a user block or Params without defaults: show everything it was given
        return given
    return {k: v for k, v in given.items() if defaults.get(k, object()) != v}


def input_dumps(record: dict, data_shards: list[Path]) -> list[str]:
    """Common Crawl dumps of the input: the config's `input.dump`, the `dump` column, the file names."""
    dumps = set()
    configured = record.get("config", {}).get("input", {}).get("dump")
    if configured:
        dumps.add(str(configured))
    for path in data_shards:
        schema = pq.read_schema(path)
        if "dump" in schema.names:
            dumps.update(
                str(d) for d in pq.read_table(path, columns=["dump"]).column("dump").unique().to_pylist() if d
            )
    for item in record.get("inputs", []):
        dumps.update(m.upper() for m in DUMP_NAME.findall(item["path"]))
    return sorted(dumps)


def _setting(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def shard_rows(shards: list[Path]) -> int:
    """Rows of Parquet files, from their footers (no data read)."""
    return sum(pq.read_metadata(p).num_rows for p in shards)


def front_matter(
    record: dict,
    data: dict[str, list[Path]],
    mix: dict[str, list[Path]],
    largest: str | None,
    license_: str | None,
) -> str:
    """YAML metadata: one config per language (data/<language>/) plus `mix`; the Hub and `datasets` read it."""
    rows = sum(shard_rows(shards) for shards in data.values())
    default = MIX_CONFIG if mix else largest
    configs = []
    for lang in data:
        config = {
            "config_name": lang,
            "data_files": [{"split": "train", "path": f"data/{lang}/*.parquet"}],
        }
        configs.append(config)
    if mix:
        configs.append(
            {"config_name": MIX_CONFIG, "data_files": [{"split": "train", "path": "mix/*/*.parquet"}]}
        )
    for config in configs:
        if config["config_name"] == default:
            config["default"] = True
    meta = {
        "pretty_name": record.get("name") or "curator output",
        "license": license_ or UNSET_LICENSE,
        "language": sorted({lang.split("_")[0] for lang in data if lang.split("_")[0] != "und"}),
        "size_categories": [size_category(rows)],
        "task_categories": ["text-generation"],
        "tags": ["curator", "common-crawl"],
        "configs": configs,
    }
    note = (
        ""
        if license_
        else f"# license: set yours here (kept when curator rewrites this card); the text is from Common "
        f"Crawl, whose terms of use apply: {COMMON_CRAWL_TERMS}\n"
    )
    return "---\n" + note + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def _loading_section(root: Path, example: str, mix: dict) -> str:
    lines = [
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'docs = load_dataset("{root}", name="{example}", split="train")  # one language',
    ]
    if mix:
        lines.append(f'mix = load_dataset("{root}", name="mix", split="train")  # the training mix')
    lines += [
        "",
        "import pyarrow.dataset as ds",
        "",
        f'table = ds.dataset("{root}/data", format="parquet").to_table()  # every language',
        "```",
        "",
        "After an upload to the Hub, replace the folder with the dataset's id.",
    ]
    if mix:
        lines.append(
            "The mix holds each document once with a `repetitions` column (how many times to use it) unless "
            "the run set `materialize: true`."
        )
    return "\n".join(lines)


def _columns_section(data: dict, mix: dict) -> str:
    shard = next((s[0] for s in (*data.values(), *mix.values())), None)
    if shard is None:
        return ""
    schema = pq.read_schema(shard)
    names = list(schema.names)
    if mix and "repetitions" not in names:
        names.append("repetitions")
    rows = []
    for name in names:
        typ = str(schema.field(name).type) if name in schema.names else "int64"
        doc = COLUMN_DOCS.get(name) or (
            "a quality classifier's score" if name.startswith("quality_score_") else "added by a stage"
        )
        where = " (mix only)" if name == "repetitions" else ""
        rows.append([f"`{name}`", typ, doc + where])
    return "## Columns\n\n" + _table(["column", "type", "meaning"], rows)


def _pipeline_section(record: dict, stats: dict[str, dict], blocks: dict[str, str]) -> str:
    params_by_stage = dict(
        zip(blocks, [s.get("params") for s in record.get("config", {}).get("stages", [])], strict=False)
    )
    rows = []
    for name, st in stats.items():
        if name == "read":
            docs_in = st["docs_out"] + sum(st["skipped"].values())
            settings = f"format: {record.get('config', {}).get('input', {}).get('format', '?')}"
        else:
            docs_in = st["docs_in"]
            changed = key_settings(blocks.get(name, name), params_by_stage.get(name))
            settings = ", ".join(f"{k}: {_setting(v)}" for k, v in changed.items()) or "defaults"
        rows.append([name, docs_in, st["docs_out"], sum(st["removed"].values()), settings])
    return "## What the pipeline did\n\n" + _table(
        ["stage", "documents in", "documents out", "removed", "settings (other than the defaults)"], rows
    )


def _reasons_section(stats: dict[str, dict]) -> str:
    parts = ["## Top removal reasons per stage"]
    for name, st in stats.items():
        reasons = stage_reasons(st)
        if not reasons:
            continue
        docs_in = st["docs_in"] if name != "read" else st["docs_out"] + sum(st["skipped"].values())
        rows = [
            [reason, count, f"{count / docs_in:.1%}" if docs_in else ""]
            for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
        ]
        parts.append(f"### {name}\n\n" + _table(["reason", "documents", "of the stage's input"], rows))
    return "\n\n".join(parts) if len(parts) > 1 else ""


def _languages_section(
    data: dict, final: dict | None, mix_json: dict | None, record: dict, blocks: dict[str, str]
) -> str:
    mix_langs = (mix_json or {}).get("languages", {})
    rebalance = next(
        (
            s.get("params") or {}
            for s in record.get("config", {}).get("stages", [])
            if s.get("block") == REBALANCE_BLOCK
        ),
        {},
    )
    per_language = (final or {}).get("per_language", {})
    rows = []
    for lang in sorted(data, key=lambda lang: (-per_language.get(lang, {}).get("docs_out", 0), lang)):
        ls = per_language.get(lang, {})
        cpt = mix_langs.get(lang, {}).get("chars_per_token") or (
            rebalance.get("chars_per_token_by_language") or {}
        ).get(lang, rebalance.get("chars_per_token", DEFAULT_CHARS_PER_TOKEN))
        chars = ls.get("chars_out", 0)
        row = [lang, ls.get("docs_out", 0), chars, round(chars / cpt)]
        if mix_json is not None:
            m = mix_langs.get(lang, {})
            row += [
                m.get("documents_in_mix", 0),
                f"{m.get('share', 0.0):.2%}",
                m.get("effective_repetition", 0.0),
                m.get("max_repetitions", 0),
            ]
        rows.append(row)
    headers = ["language", "documents", "characters", "estimated tokens"]
    if mix_json is not None:
        headers += [
            "documents in the mix",
            "share of the mix",
            "effective repetition (tokens after / before)",
            "most repetitions of a document",
        ]
    estimator = (mix_json or {}).get("token_estimator") or (
        f"estimated tokens = characters / {rebalance.get('chars_per_token', DEFAULT_CHARS_PER_TOKEN)}"
    )
    return "## Languages\n\n" + _table(headers, rows) + f"\n\n{estimator}. Share and repetitions: mix.json."


def _provenance_section(record: dict, dumps: list[str]) -> str:
    inputs = record.get("inputs", [])
    total = sum(i.get("bytes", 0) for i in inputs)
    lines = [
        "## Source and versions",
        "",
        f"Common Crawl dumps: {', '.join(dumps) if dumps else 'not named in the input (no dump column or CC-MAIN name)'}.",
        f"Input: {len(inputs):,} files, {total:,} bytes"
        + (f" (the first {MAX_LISTED_INPUTS} below)" if len(inputs) > MAX_LISTED_INPUTS else "")
        + ".",
        "",
        _table(["input file", "bytes"], [[i["path"], i.get("bytes", 0)] for i in inputs[:MAX_LISTED_INPUTS]]),
        "",
        _table(["package", "version"], sorted(record.get("versions", {}).items())),
        "",
        f"Run `{record.get('name', '')}`: status {record.get('status')}, started {record.get('started_at')}, "
        f"finished {record.get('finished_at')}; config fingerprint `{record.get('config_fingerprint')}` "
        "(the full resolved config is in run.json).",
    ]
    return "\n".join(lines)


def build_card(output: Path) -> str:
    layout = RunLayout(output)
    record = read_json(layout.run_json) or {}
    stats = load_stats(layout, record)
    blocks = stage_blocks(record)
    data = language_folders(layout.data)
    mix = language_folders(layout.mix)
    mix_json = read_json(layout.mix_json) if mix else None
    final_stage = next(
        (n for n in reversed(list(stats)) if blocks.get(n) != REBALANCE_BLOCK and n != "read"), None
    )
    final = stats.get(final_stage) if final_stage else None
    rows = {lang: shard_rows(shards) for lang, shards in data.items()}
    largest = max(rows, key=lambda lang: (rows[lang], lang), default=None)
    name = record.get("name") or output.name
    license_ = _previous_license(output / CARD_FILE)
    sections = [
        f"# {name}",
        "<!-- Written by curator from stats/, mix.json and run.json at the end of the run and by "
        "`curator finalize OUTPUT`: edits are overwritten (the license line is kept). -->",
        f"Text from {len(record.get('inputs', [])):,} {record.get('config', {}).get('input', {}).get('format', '')} "
        f"files (web pages crawled by Common Crawl), curated by curator with the stages "
        f"{', '.join(n for n in stats if n != 'read')}: {sum(rows.values()):,} documents in {len(data)} languages under "
        f"`data/<language>/`"
        + (", and the rebalanced training mix under `mix/<language>/`." if mix else "."),
        _loading_section(output, largest or "<language>", mix),
        _languages_section(data, final, mix_json, record, blocks),
        _columns_section(data, mix),
        _pipeline_section(record, stats, blocks),
        _reasons_section(stats),
        _provenance_section(record, input_dumps(record, [s for shards in data.values() for s in shards])),
        "## License\n\n"
        + (
            f"`{license_}`, as set in this card."
            if license_
            else "Not set: put the license of your release in the `license:` line above (curator keeps it "
            "when it rewrites the card)."
        )
        + f" The documents are text of web pages crawled by Common Crawl; its terms of use apply: {COMMON_CRAWL_TERMS}.",
    ]
    return (
        front_matter(record, data, mix, largest, license_)
        + "\n"
        + "\n\n".join(s for s in sections if s)
        + "\n"
    )


def write_card(output: str | Path) -> Path:
    output = Path(output)
    path = output / CARD_FILE
    write_text_atomic(path, build_card(output))
    return path
