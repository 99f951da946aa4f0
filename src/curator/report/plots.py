"""Small matplotlib helpers returning inline SVG strings (no files, no network)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"font.size": 9, "svg.fonttype": "none", "figure.dpi": 96})

# horizontal boxes: `orientation` from Matplotlib 3.10 on (`vert` is deprecated from 3.11 and goes in 3.13)
_MPL = tuple(int(part) for part in matplotlib.__version__.split(".")[:2] if part.isdigit())
HORIZONTAL_BOXES = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def funnel(stages: list[str], docs_in: list[int], docs_out: list[int]) -> str:
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(stages) + 1))
    y = range(len(stages))
    ax.barh([i + 0.2 for i in y], docs_in, height=0.4, label="in", color="#9ab")
    ax.barh([i - 0.2 for i in y], docs_out, height=0.4, label="out", color="#357")
    ax.set_yticks(list(y), stages)
    ax.invert_yaxis()
    ax.set_xlabel("documents")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    return _svg(fig)


def boxplots(groups: dict[str, list[float]], xlabel: str, threshold: dict[str, float] | None = None) -> str:
    labels = list(groups)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1))
    ax.boxplot([groups[k] for k in labels], showfliers=False, **HORIZONTAL_BOXES)
    ax.set_yticks(range(1, len(labels) + 1), labels)
    if threshold:
        for i, k in enumerate(labels, 1):
            if k in threshold and threshold[k] is not None:
                ax.plot([threshold[k]] * 2, [i - 0.4, i + 0.4], color="#c33", lw=1.5)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    return _svg(fig)


def histogram(values: list[float], xlabel: str, log: bool = False, bins: int = 30) -> str:
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.hist(values, bins=bins, color="#357", log=log)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("documents")
    return _svg(fig)


def grouped_bars(labels: list[str], series: dict[str, list[float]], ylabel: str) -> str:
    fig, ax = plt.subplots(figsize=(max(5, 0.4 * len(labels) + 2), 2.8))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(labels))], values, width=width, label=name)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(labels))], labels, rotation=60, ha="right")
    ax.set_ylabel(ylabel)
    ax.legend()
    return _svg(fig)
