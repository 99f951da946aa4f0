"""The fused filter takes datatrove's decisions, with datatrove's first reason, on real documents."""

from collections import Counter

import pytest
from datatrove.data import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.stages.filters.fused import FusedHeuristicFilter
from curator.stages.filters.reference import chain_first_failure, datatrove_chain
from curator.text.rules import FAMILIES


def compare(docs: list[Document], fused: FusedHeuristicFilter) -> tuple[list, Counter]:
    """Documents where fused and datatrove differ (id, fused, datatrove), and fused's reasons."""
    chains, differences, reasons = {}, [], Counter()
    for doc in docs:
        rules = fused.rules_for(doc.metadata["language"])
        chain = chains.setdefault(doc.metadata["language"], datatrove_chain(rules.profile))
        ours, theirs = rules.first_failure(doc.text), chain_first_failure(chain, doc)
        reasons[ours] += 1
        if ours != theirs:
            differences.append((doc.id, ours, theirs))
    return differences, reasons


def test_same_decisions_and_reasons_as_datatrove_on_real_documents(pages, articles, sentence_documents):
    docs = pages[:600] + articles + sentence_documents  # all pages: scripts/bench/filters.py
    differences, reasons = compare(docs, FusedHeuristicFilter())
    assert len(docs) > 2000
    assert differences == []
    assert 0.5 * len(docs) < reasons[None] < 0.95 * len(docs)  # both keeps and removals are compared
    assert len({r.split(":")[0] for r in reasons if r}) == 3 and len(reasons) > 10


STRICT = {  # thresholds that make most rules of a family fire on some of the pages
    "gopher_repetition": {
        "dup_para_frac": 0.1,
        "dup_line_frac": 0.1,
        "dup_para_char_frac": 0.05,
        "dup_line_char_frac": 0.05,
        "top_n_grams": [[2, 0.03], [3, 0.02], [4, 0.02]],
        "dup_n_grams": [[5, 0.05], [6, 0.04], [7, 0.03], [8, 0.02], [9, 0.02], [10, 0.01]],
    },
    "fineweb_quality": {
        "line_punct_thr": 0.4,
        "short_line_thr": 0.3,
        "short_line_length": 40,
        "char_duplicates_ratio": 0.002,
        "new_line_ratio": 0.04,
    },
    "gopher_quality": {
        "min_doc_words": 120,
        "max_doc_words": 1500,
        "min_avg_word_length": 4.3,
        "max_avg_word_length": 6.2,
        "max_symbol_word_ratio": 0.002,
        "max_bullet_lines_ratio": 0.2,
        "max_ellipsis_lines_ratio": 0.05,
        "max_non_alpha_words_ratio": 0.83,
        "min_stop_words": 4,
        "stopwords": ["der", "die", "und", "the", "and", "of", "de", "la"],
    },
}


@pytest.mark.parametrize("family", list(STRICT))
def test_each_rule_agrees_with_datatrove_when_it_decides(pages, family):
    """One family at a time, strict, the others disabled: each rule is the first to fail somewhere."""
    others = [f for f in FAMILIES if f != family]
    fused = FusedHeuristicFilter(disable=others, overrides=STRICT[family])
    differences, reasons = compare(pages[:150], fused)
    assert differences == []
    fired = {r.split(":")[1] for r in reasons if r}
    assert len(fired) >= {"gopher_repetition": 6, "fineweb_quality": 4, "gopher_quality": 7}[family], fired


def test_disabled_rules_are_skipped(pages):
    doc = next(d for d in pages if FusedHeuristicFilter().filter(d) != True)  # noqa: E712
    reason = FusedHeuristicFilter().filter(doc)[1]
    family, rule = reason.split(":")
    threshold = {
        "dup_line_frac": "dup_line_frac",
        "char_dup_ratio": "char_duplicates_ratio",
        "line_punct_ratio": "line_punct_thr",
        "gopher_below_alpha_threshold": "max_non_alpha_words_ratio",
        "gopher_short_doc": "min_doc_words",
    }.get(rule, family)
    assert FusedHeuristicFilter(disable=[threshold]).filter(doc) != (False, reason)
    assert FusedHeuristicFilter(disable=list(FAMILIES)).filter(doc) is True


REPETITIVE = st.lists(
    st.sampled_from(
        ["the", "cat", "sat", "on", "mat", ".", "…", "#", "-", "•", "\n", "\n\n", " ", "ab", "a", "b", "!"]
    ),
    max_size=400,
).map(" ".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=REPETITIVE)
def test_agrees_with_datatrove_on_repetitive_text(text):
    fused = FusedHeuristicFilter(overrides={"min_doc_words": 10, "min_stop_words": 1, "stopwords": ["the"]})
    rules = fused.rules_for("eng_Latn")
    doc = Document(text=text, id="x", metadata={"language": "eng_Latn"})
    try:
        theirs = chain_first_failure(datatrove_chain(rules.profile), doc)
    except ZeroDivisionError:
        return  # datatrove divides by the number of words; the fused filter must just not raise
    assert rules.first_failure(text) == theirs


LANGUAGES = ["eng_Latn", "tha_Thai", "cmn_Hani", "jpn_Jpan", "und"]


@settings(max_examples=60, deadline=None)
@given(text=st.text(), language=st.sampled_from(LANGUAGES))
def test_never_raises_on_any_unicode(text, language):
    result = FusedHeuristicFilter().filter(Document(text=text, id="x", metadata={"language": language}))
    assert result is True or (result[0] is False and result[1].count(":") == 1)


@pytest.mark.parametrize("text", ["", " ", "\n\n\n", "\t \u3000\n", "#" * 100, "…\n" * 50])
@pytest.mark.parametrize("language", LANGUAGES)
def test_edge_cases_are_decided_with_a_reason(text, language):
    result = FusedHeuristicFilter().filter(Document(text=text, id="x", metadata={"language": language}))
    if not text.strip():
        assert result[0] is False  # empty, or whitespace-only lines counted as duplicates
    else:
        assert result is True or result[0] is False


@pytest.mark.parametrize("text", ["x" * 1_000_000, ("word " * 200_000).strip(), "ก" * 1_000_000])
@pytest.mark.parametrize("language", ["eng_Latn", "tha_Thai"])
def test_one_megabyte_line_is_decided(text, language):
    result = FusedHeuristicFilter().filter(Document(text=text, id="x", metadata={"language": language}))
    assert result[0] is False  # one line, one repeated "word", or no spaces: never prose
