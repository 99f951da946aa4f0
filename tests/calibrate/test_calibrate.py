"""Calibration from real text: thresholds move the way the languages differ, small data falls back,
the CLI reads a run's Parquet and writes loadable profiles."""

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from datatrove.data import Document as DtDocument
from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.utils.word_tokenizers import load_word_tokenizer

from curator.calibrate.calibrate import CalibrationSettings, Document, calibrate_profiles
from curator.calibrate.metrics import document_metrics
from curator.cli import main
from curator.text.profiles import default_profile, load_profile
from scripts.devtools.calibration_corpus import lid_dev_documents
from tests.conftest import shared_data

LANGUAGES = ["eng_Latn", "cmn_Hani", "jpn_Jpan"]


@pytest.fixture(scope="module")
def lid_dev_docs() -> list[Document]:
    return list(lid_dev_documents(shared_data("lid-dev"), LANGUAGES, slice(0, 400)))


@pytest.fixture(scope="module")
def calibrated(lid_dev_docs, tmp_path_factory):
    out = tmp_path_factory.mktemp("profiles")
    settings = CalibrationSettings(min_docs=20, max_removed_share=0.01)  # clean text, as `make profiles`
    results = calibrate_profiles(lid_dev_docs, out, settings, also_languages=["xal_Cyrl"])
    return out, {r.profile.language: r for r in results}


def test_space_less_languages_get_shorter_word_length_bounds(calibrated):
    out, _ = calibrated
    english, chinese, japanese = (load_profile(lang, out) for lang in LANGUAGES)
    assert (english.min_avg_word_length, english.max_avg_word_length) == (3, 10)  # the reference
    for profile in (chinese, japanese):
        # jieba / sudachi words are 1-3 characters: English's 3-10 would remove all of them
        assert profile.min_avg_word_length < 2
        assert 2 < profile.max_avg_word_length < 6
        assert profile.calibration["tier"] == "full"


def test_calibrated_profiles_keep_the_calibration_text(calibrated, lid_dev_docs):
    out, _ = calibrated
    for language in LANGUAGES:
        profile = load_profile(language, out)
        chain = [
            GopherRepetitionFilter(
                top_n_grams=tuple(profile.top_n_grams),
                dup_n_grams=tuple(profile.dup_n_grams),
                dup_line_frac=profile.dup_line_frac,
                language=profile.tokenizer_key,
            ),
            GopherQualityFilter(
                min_doc_words=None,
                min_avg_word_length=profile.min_avg_word_length,
                max_avg_word_length=profile.max_avg_word_length,
                max_non_alpha_words_ratio=profile.max_non_alpha_words_ratio,
                min_stop_words=profile.min_stop_words,
                stop_words=profile.stopwords,
                language=profile.tokenizer_key,
            ),
        ]
        docs = [d for d in lid_dev_docs if d.language == language]
        kept = sum(all(f.filter(DtDocument(d.text, "x")) is True for f in chain) for d in docs)
        assert kept / len(docs) >= 0.95, language


def test_stopwords_are_the_languages_frequent_words(calibrated):
    out, _ = calibrated
    assert {"the", "of", "and"} <= set(load_profile("eng_Latn", out).stopwords)
    assert "的" in load_profile("cmn_Hani", out).stopwords
    assert all(not any(c.isdigit() for c in w) for w in load_profile("jpn_Jpan", out).stopwords)


def test_a_language_without_text_gets_default_yaml_and_is_listed(calibrated):
    out, results = calibrated
    profile = load_profile("xal_Cyrl", out)
    default = default_profile("xal_Cyrl", out)
    assert results["xal_Cyrl"].tier == "none"
    assert profile.min_avg_word_length == default.min_avg_word_length
    assert profile.language_score == default.language_score
    assert "stopwords" in profile.calibration["fell_back_to_default"]
    summary = (out / "CALIBRATION.md").read_text(encoding="utf-8")
    assert "xal_Cyrl" in summary.split("| language |")[0]  # in the list of languages that fell back


def test_metrics_are_the_numbers_datatrove_filters_compare(lid_dev_docs):
    doc = next(d for d in lid_dev_docs if d.language == "eng_Latn" and d.text.count("\n") >= 2)
    words = load_word_tokenizer("eng_Latn").word_tokenize(doc.text)
    m = document_metrics(doc.text, words)
    dt_doc = DtDocument(doc.text, "x")
    eps = 1e-9
    below = GopherQualityFilter(
        min_doc_words=None, min_avg_word_length=m["avg_word_length"] + eps, min_stop_words=None
    )
    at = GopherQualityFilter(
        min_doc_words=None, min_avg_word_length=m["avg_word_length"] - eps, min_stop_words=None
    )
    assert below.filter(dt_doc) == (False, "gopher_below_avg_threshold")
    assert at.filter(dt_doc) is True
    punct = FineWebQualityFilter(
        line_punct_thr=m["line_punct_ratio"] + eps, char_duplicates_ratio=1, new_line_ratio=1
    )
    assert punct.filter(dt_doc) == (False, "line_punct_ratio")
    top2 = GopherRepetitionFilter(top_n_grams=((2, m["top_2_gram"] - eps),), dup_n_grams=())
    assert top2.filter(dt_doc) == (False, "top_2_gram")


def test_language_score_threshold_is_clipped_median_minus_std(tmp_path, lid_dev_docs):
    rng = np.random.default_rng(1)
    scores = {"eng_Latn": rng.uniform(0.95, 1.0, 200), "cmn_Hani": rng.uniform(0.2, 0.9, 200)}
    docs = []
    for language in ("eng_Latn", "cmn_Hani"):
        texts = [d.text for d in lid_dev_docs if d.language == language][:25]
        docs += [
            Document(t, language, "input", float(s))
            for t, s in zip(texts, scores[language][:25], strict=True)
        ]
    calibrate_profiles(docs, tmp_path, CalibrationSettings(min_docs=20))
    english_scores = scores["eng_Latn"][:25]
    chinese_scores = scores["cmn_Hani"][:25]
    assert load_profile("eng_Latn", tmp_path).language_score == 0.9  # clipped
    expected = math.floor(1000 * (np.median(chinese_scores) - chinese_scores.std())) / 1000
    assert load_profile("cmn_Hani", tmp_path).language_score == pytest.approx(max(0.3, expected))
    assert np.median(english_scores) - english_scores.std() > 0.9


def test_the_fallback_language_score_is_held_to_the_same_range(tmp_path, lid_dev_docs):
    docs = [d for d in lid_dev_docs if d.language == "eng_Latn"][:25]
    settings = CalibrationSettings(min_docs=20, language_score_range=(0.3, 0.5))
    calibrate_profiles(docs, tmp_path, settings, also_languages=["xal_Cyrl"])
    assert default_profile("xal_Cyrl", tmp_path).language_score > 0.5  # default.yaml's own value
    assert load_profile("xal_Cyrl", tmp_path).language_score == 0.5


def test_cli_reads_parquet_and_writes_profiles(tmp_path, lid_dev_docs):
    docs = [d for d in lid_dev_docs if d.language in ("eng_Latn", "cmn_Hani")]
    table = pa.table(
        {
            "id": [str(i) for i in range(len(docs))],
            "text": [d.text for d in docs],
            "language": [d.language for d in docs],
        }
    )
    (tmp_path / "stages").mkdir()
    pq.write_table(table, tmp_path / "stages" / "00000.parquet")
    out = tmp_path / "profiles"
    result = CliRunner().invoke(
        main,
        [
            "profiles",
            "calibrate",
            "--input",
            str(tmp_path / "stages" / "*.parquet"),
            "--out",
            str(out),
            "--min-docs",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 profiles" in result.output
    data = yaml.safe_load((out / "cmn_Hani.yaml").read_text(encoding="utf-8"))
    assert data["calibration"]["docs"] == sum(d.language == "cmn_Hani" for d in docs)
    # web documents: no clean-text guard, the reference keeps datatrove's English thresholds
    assert load_profile("eng_Latn", out).min_doc_words == 50


def test_clean_text_guard_loosens_the_reference_for_short_clean_documents(calibrated):
    out, results = calibrated
    english = load_profile("eng_Latn", out)
    assert english.min_doc_words < 50  # lid-dev documents of one or two sentences are clean too
    assert "min_doc_words" in english.calibration["loosened_to_keep_99%_of_calibration_docs"]
    assert (out / "default.yaml").is_file() and (out / "CALIBRATION.md").is_file()


def test_cli_names_the_file_without_a_language_column(tmp_path):
    pq.write_table(pa.table({"text": ["a b c"]}), tmp_path / "x.parquet")
    result = CliRunner().invoke(
        main, ["profiles", "calibrate", "--input", str(tmp_path / "*.parquet"), "--out", str(tmp_path / "p")]
    )
    assert result.exit_code != 0
    assert "x.parquet" in result.output and "language" in result.output
