"""Training data builders of the shipped model, on the real gold pages."""

import random
from itertools import islice

from curator.stages.quality.text import prepare_text
from scripts.devtools import quality_corpus as corpus
from tests.conftest import shared_data


def test_skeleton_keeps_punctuation_symbols_and_digits_only():
    text = "Hello, World! It is 2020.\nनमस्ते। दुनिया (ok) — © 2019 | Home | 你好。"
    assert corpus.skeleton(text) == ", ! 0000 . । ( ) — © 0000 | | 。"


def test_trafilatura_gold_lines_split_by_their_snippets():
    folder = shared_data("html-gold/trafilatura")
    pages = list(islice(corpus.trafilatura_pages(folder), 60))
    positives = [line for p in pages for line in p.positive]
    negatives = [line for p in pages for line in p.negative]
    assert len(positives) > 60 and len(negatives) > 30
    assert not set(positives) & set(negatives)
    # main-text lines are longer than boilerplate lines (menus, dates, "Impressum")
    mean = lambda lines: sum(len(x) for x in lines) / len(lines)  # noqa: E731
    assert mean(positives) > 2 * mean(negatives)


def test_chunks_of_both_classes_share_one_length_distribution():
    page = corpus.Page("g", "s", positive=["word " * 7] * 400, negative=["menu item"] * 1500)
    chunks = list(corpus.chunk_page(page, random.Random(0), 20, 300))
    sizes = {
        flag: [len(prepare_text(e.text).split()) for e in chunks if e.positive == flag]
        for flag in (True, False)
    }
    for flag in (True, False):
        assert sum(n < 20 for n in sizes[flag]) <= 1  # only the page's remainder may be shorter
        assert max(sizes[flag]) <= 300 + 7
        assert 40 < sorted(sizes[flag])[len(sizes[flag]) // 2] < 150  # log-uniform median ~ 77
