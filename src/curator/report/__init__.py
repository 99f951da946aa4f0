"""OUTPUT/report.html: a self-contained page (inline SVG plots) built from the stats files and a
sample of the documents. The stats JSON files stay the source of truth."""

from curator.report.build import write_report

__all__ = ["write_report"]
