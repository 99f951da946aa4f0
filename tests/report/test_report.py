"""The report of a real demo run shows the numbers of its stats files."""

import html
import json
import re


def test_report_matches_stats(demo_run):
    report = (demo_run / "report.html").read_text()
    # self-contained: nothing is loaded from elsewhere
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|<link\b|@import""", report)
    summary = json.loads(
        html.unescape(
            re.search(
                r"<script type='application/json' id='curator-summary'>(.*?)</script>", report, re.S
            ).group(1)
        )
    )
    stats = {p.stem: json.loads(p.read_text()) for p in (demo_run / "stats").glob("*.json")}
    assert set(summary) == set(stats)
    for stage, st in stats.items():
        assert summary[stage]["docs_out"] == st["docs_out"]
        assert summary[stage]["removed"] == st["removed"]
    # the funnel table: one row per stage with its documents in and out
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td>([\d,]+)</td><td>([\d,]+)</td>", report.split('class="funnel"')[1]
    )
    table = {name: (int(a.replace(",", "")), int(b.replace(",", ""))) for name, a, b in rows}
    for stage, st in stats.items():
        expected_in = st["docs_in"] if stage != "read" else st["docs_out"] + sum(st["skipped"].values())
        assert table[stage] == (expected_in, st["docs_out"])
    assert report.count("<svg") >= 1
