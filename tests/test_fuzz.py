"""Any text through the text-level blocks (LID, tokenizers, formatters, filters, MinHash, quality
scoring): any unicode, empty, whitespace-only, one 1 MB line — no exception, every document either
comes out or is counted as removed."""

from pathlib import Path

import pytest
import yaml
from datatrove.data import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.config import load_config
from curator.graph import build_blocks
from curator.stages.base import DocPhase

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

TEXT_STAGES = [
    {"lid": {}},
    {"filters": {"formatters": {"ftfy": True, "symbol_lines": True, "pii": True}}},
    {"dedup": {}},
    {"quality": {}},
]

nasty = st.one_of(
    st.text(max_size=2000),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=500),
    st.sampled_from(
        [
            "",
            " ",
            "\n\n\n",
            "\t \u3000\u200b\n",
            "\x00",
            "\ud7ff" * 10,
            "🙂" * 300,
            "a" * 1_000_000,
            ("word " * 200_000).strip(),
            "。" * 1000,
            "ก" * 5000,
        ]
    ),
    st.lists(
        st.sampled_from(
            [
                "Hello world.",
                "नमस्ते दुनिया।",
                "你好，世界。",
                "- item",
                "...",
                "http://x.y",
                "a@b.example",
                "127.0.0.1",
                "",
                "\u202e",
            ]
        ),
        max_size=200,
    ).map("\n".join),
)


@pytest.fixture(scope="module")
def text_steps(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    cfg = {
        "name": "fuzz",
        "input": {"format": "jsonl", "paths": [str(SAMPLE / "*")]},
        "output": str(tmp / "out"),
        "executor": {"tasks": 1, "workers": 1},
        "stages": TEXT_STAGES,
    }
    (tmp / "c.yaml").write_text(yaml.safe_dump(cfg))
    blocks = build_blocks(load_config(tmp / "c.yaml"))
    steps = []
    for block in blocks:
        phases = block.phases()
        first_doc_phase = next(p for p in phases if isinstance(p, DocPhase))
        steps.extend(first_doc_phase.steps)
    return steps


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(texts=st.lists(nasty, min_size=1, max_size=4))
def test_text_blocks_never_raise(text_steps, texts):
    docs = [Document(text=t, id=f"fuzz-{i}", metadata={}) for i, t in enumerate(texts)]
    data = iter(docs)
    for step in text_steps:
        data = step.run(data, rank=0, world_size=1)
    out = list(data)
    ids = {d.id for d in out}
    removed = {d.id for d in docs if "reason" in d.metadata}
    assert ids | removed == {d.id for d in docs}
    assert all(isinstance(d.text, str) for d in out)
