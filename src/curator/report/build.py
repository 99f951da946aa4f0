"""Assemble report.html from run.json, stats/*.json, mix.json and a sample of the final documents."""

from __future__ import annotations

import html
import json
from pathlib import Path

from curator.core.atomic import write_text_atomic
from curator.core.names import UNDETERMINED_LANGUAGE
from curator.core.paths import RunLayout
from curator.report import plots

SAMPLE_ROWS = 50_000
TOP_LANGUAGES = 15


def read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def load_stats(layout: RunLayout, record: dict) -> dict[str, dict]:
    order = ["read"] + [s for job in record.get("jobs", []) for s in job["stages"]]
    out = {}
    for name in dict.fromkeys(order):
        st = read_json(layout.stats(name))
        if st is not None:
            out[name] = st
    return out


def load_sample(folder: Path, wanted: tuple[str, ...], max_rows: int = SAMPLE_ROWS) -> dict[str, list]:
    """Up to max_rows rows of the columns in `wanted` that exist (never the text)."""
    import pyarrow.dataset as ds

    if not folder.is_dir() or not any(folder.rglob("*.parquet")):
        return {}
    dataset = ds.dataset(folder, format="parquet")
    columns = [c for c in wanted if c in dataset.schema.names]
    if not columns:
        return {}
    table = dataset.head(max_rows, columns=columns)
    return {c: table.column(c).to_pylist() for c in columns}


def _table(headers: list[str], rows: list[list], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _by_language(values: list, languages: list) -> dict[str, list[float]]:
    groups: dict[str, list[float]] = {}
    for lang, v in zip(languages, values, strict=True):
        if v is not None:
            groups.setdefault(lang or UNDETERMINED_LANGUAGE, []).append(float(v))
    top = sorted(groups, key=lambda k: -len(groups[k]))[:TOP_LANGUAGES]
    return {k: groups[k] for k in top}


def funnel_section(stats: dict[str, dict]) -> str:
    names = list(stats)
    rows = []
    for n in names:
        st = stats[n]
        docs_in = st["docs_in"] if n != "read" else st["docs_out"] + sum(st["skipped"].values())
        rows.append(
            [
                n,
                docs_in,
                st["docs_out"],
                sum(st["removed"].values()),
                sum(st["skipped"].values()),
                st["chars_in"],
                st["chars_out"],
                st["tasks"]["done"],
                st["tasks"]["total"],
            ]
        )
    svg = plots.funnel(names, [r[1] for r in rows], [r[2] for r in rows])
    table = _table(
        [
            "stage",
            "docs in",
            "docs out",
            "removed",
            "skipped",
            "chars in",
            "chars out",
            "tasks done",
            "tasks",
        ],
        rows,
        "funnel",
    )
    return f"<h2>Funnel</h2>{svg}{table}"


def language_funnel_section(stats: dict[str, dict]) -> str:
    staged = [n for n in stats if n != "read"]
    languages: dict[str, int] = {}
    for n in staged:
        for lang, ls in stats[n]["per_language"].items():
            languages[lang] = max(languages.get(lang, 0), ls["docs_in"], ls["docs_out"])
    last = staged[-1] if staged else None
    top = sorted(
        languages,
        key=lambda lang: -(stats[last]["per_language"].get(lang, {}).get("docs_out", 0) if last else 0),
    )[:30]
    rows = []
    for lang in top:
        row = [lang]
        for n in staged:
            ls = stats[n]["per_language"].get(lang)
            row.append(f"{ls['docs_in']:,} → {ls['docs_out']:,}" if ls else "")
        rows.append(row)
    return "<h2>Per language (documents in → out of each stage)</h2>" + _table(
        ["language", *staged], rows, "per-language"
    )


def stage_reasons(st: dict) -> dict[str, int]:
    """Documents a stage did not pass on, by reason: removed, skipped, and lost to file errors."""
    return {
        **{f"skipped: {k}": v for k, v in st["skipped"].items()},
        **{f"file error: {k}": v for k, v in st["file_errors"].items()},
        **st["removed"],
    }


def reasons_section(stats: dict[str, dict]) -> str:
    parts = ["<h2>Removal and skip reasons</h2>"]
    for n, st in stats.items():
        reasons = stage_reasons(st)
        if not reasons:
            continue
        rows = []
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])[:20]:
            per_lang = sorted(
                ((lang, ls["removed"].get(reason, 0)) for lang, ls in st["per_language"].items()),
                key=lambda kv: -kv[1],
            )
            top = ", ".join(f"{lang} {c:,}" for lang, c in per_lang[:5] if c)
            rows.append([reason, count, top])
        parts.append(f"<h3>{html.escape(n)}</h3>" + _table(["reason", "documents", "top languages"], rows))
    return "".join(parts)


def distributions_section(layout: RunLayout, record: dict) -> str:
    sample = load_sample(
        layout.data,
        ("language", "language_score", "minhash_cluster_size", "quality_score", "quality_score_fluency"),
    )
    if not sample:
        return "<h2>Distributions</h2><p>The final documents have no language or score columns to plot.</p>"
    parts = [
        f"<h2>Distributions</h2><p>From a sample of {len(next(iter(sample.values()))):,} final documents.</p>"
    ]
    langs = sample.get("language") or [UNDETERMINED_LANGUAGE] * len(next(iter(sample.values())))
    if "language_score" in sample:
        groups = _by_language(sample["language_score"], langs)
        thresholds = _language_thresholds(record, list(groups))
        parts.append(
            "<h3>language_score per language (red: the profile's threshold)</h3>"
            + plots.boxplots(groups, "language_score", thresholds)
        )
    if "minhash_cluster_size" in sample:
        sizes = [v for v in sample["minhash_cluster_size"] if v is not None]
        if sizes:
            parts.append("<h3>minhash_cluster_size</h3>" + plots.histogram(sizes, "cluster size", log=True))
    if "quality_score" in sample:
        parts.append(
            "<h3>quality_score per language</h3>"
            + plots.boxplots(_by_language(sample["quality_score"], langs), "quality_score")
        )
    if "quality_score_fluency" in sample:  # languages without a fluency model have None: left out
        groups = _by_language(sample["quality_score_fluency"], langs)
        if groups:
            parts.append(
                "<h3>quality_score_fluency per language (log10 gain of word order per token)</h3>"
                + plots.boxplots(groups, "quality_score_fluency")
            )
    return "".join(parts)


def _language_thresholds(record: dict, languages: list[str]) -> dict[str, float]:
    from curator.text.profiles import load_profile

    profiles = None
    for stage in record.get("config", {}).get("stages", []):
        if stage.get("block") == "lid" and isinstance(stage.get("params"), dict):
            profiles = stage["params"].get("profiles")
    out = {}
    for lang in languages:
        try:
            out[lang] = load_profile(lang, profiles).language_score
        except Exception:  # a report never fails on a missing profile
            continue
    return out


def mix_section(layout: RunLayout) -> str:
    mix = read_json(layout.mix_json)
    if not mix:
        return ""
    langs = mix.get("languages", {})
    before_total = sum(v.get("tokens_before", 0) for v in langs.values()) or 1
    top = sorted(langs, key=lambda k: -langs[k].get("tokens_after", 0))[:30]
    svg = plots.grouped_bars(
        top,
        {
            "before": [langs[k].get("tokens_before", 0) / before_total for k in top],
            "after": [langs[k].get("share", 0) for k in top],
        },
        "share of tokens",
    )
    rows = [
        [
            k,
            langs[k].get("documents", 0),
            langs[k].get("tokens_before", 0),
            langs[k].get("tokens_after", 0),
            langs[k].get("effective_repetition", 0.0),
            langs[k].get("share", 0.0),
            langs[k].get("limited_by", ""),
        ]
        for k in top
    ]
    estimator = html.escape(str(mix.get("token_estimator", "")))
    return (
        "<h2>Language mix before and after rebalancing</h2>"
        + svg
        + _table(
            [
                "language",
                "documents",
                "tokens before",
                "tokens after",
                "effective repetition",
                "share",
                "limited by",
            ],
            rows,
        )
        + f"<p>Tokens estimated by: {estimator}</p>"
    )


def throughput_section(stats: dict[str, dict]) -> str:
    rows = []
    for n, st in stats.items():
        t = st.get("time_s") or 0
        docs = st["docs_in"] if n != "read" else st["docs_out"]
        rows.append([n, round(t, 2), round(docs / t, 1) if t else "", ", ".join(st["jobs"])])
    return (
        "<h2>Throughput per stage</h2><p>CPU seconds summed over tasks (datatrove's step timers).</p>"
        + _table(["stage", "task-seconds", "documents/s per task", "jobs"], rows)
    )


def config_section(record: dict) -> str:
    cfg = html.escape(json.dumps(record.get("config", {}), indent=2))
    versions = _table(["package", "version"], sorted(record.get("versions", {}).items()))
    inputs = _table(["input", "bytes"], [[i["path"], i["bytes"]] for i in record.get("inputs", [])[:50]])
    return f"<h2>Config and versions</h2><pre>{cfg}</pre>{versions}{inputs}"


CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}thead{background:#eef}pre{background:#f6f6f6;padding:1em;overflow:auto}
h2{border-bottom:2px solid #357;padding-bottom:2px;margin-top:2em}svg{max-width:100%;height:auto}"""


def build_html(output: Path) -> str:
    layout = RunLayout(output)
    record = read_json(layout.run_json) or {}
    stats = load_stats(layout, record)
    summary = {
        n: {"docs_in": s["docs_in"], "docs_out": s["docs_out"], "removed": s["removed"]}
        for n, s in stats.items()
    }
    title = f"curator report: {html.escape(record.get('name', output.name))}"
    head = (
        f"<p>Status <b>{html.escape(str(record.get('status')))}</b>, started {record.get('started_at')}, "
        f"finished {record.get('finished_at')}, {record.get('seconds', '?')} s; executor "
        f"{record.get('executor')}.</p>"
    )
    sections = (
        [
            funnel_section(stats),
            language_funnel_section(stats),
            reasons_section(stats),
            distributions_section(layout, record),
            mix_section(layout),
            throughput_section(stats),
            config_section(record),
        ]
        if stats
        else ["<p>No stats yet: the run has not finished a job.</p>"]
    )
    summary_json = html.escape(json.dumps(summary), quote=False)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title><style>{CSS}</style></head>"
        f"<body><h1>{title}</h1>{head}{''.join(sections)}"
        f"<script type='application/json' id='curator-summary'>{summary_json}</script></body></html>"
    )


def write_report(output: str | Path) -> Path:
    output = Path(output)
    path = output / "report.html"
    write_text_atomic(path, build_html(output))
    return path
