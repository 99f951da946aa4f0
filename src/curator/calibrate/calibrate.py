"""`curator profiles calibrate`: per-language filter thresholds from real documents.

Reads documents (`text`, `language`, optional `language_score`, optional `source`), measures every
filter metric per language with the language's own word tokenizer, and writes one profile per
language whose thresholds remove the same share of its documents as the reference thresholds
remove of the reference language (see thresholds.py). With a `source` column the shares are matched
within each source (a language's Wikipedia-like text against English Wikipedia-like text, its UDHR
against the English UDHR) and the per-source thresholds are averaged, weighted by documents.

On clean text (the bundled profiles) a guard then loosens any rule that removes more than a given
share of a language's own documents, the reference's first; on a run's web documents it stays off,
as in FineWeb2.
"""

from __future__ import annotations

import glob
import math
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import yaml
from datatrove.pipeline.filters.gopher_quality_filter import STOP_WORDS

from curator.calibrate.metrics import document_metrics, stop_word_count
from curator.calibrate.stopwords import choose_stopwords, stoplist_for
from curator.calibrate.thresholds import (
    Threshold,
    calibrated_thresholds,
    final_threshold,
    loosen_to_keep,
    match_threshold,
    small_sample_keys,
    stop_words_threshold,
)
from curator.core.atomic import write_text_atomic
from curator.core.errors import CuratorError
from curator.core.paths import DEFAULT_PROFILES_DIR
from curator.stages.lid.score_thresholds import HIGH, LOW, language_score_threshold
from curator.text.profiles import LanguageProfile, default_profile
from curator.text.tokenizers import profile_tokenizer

LANGUAGE_SCORE_RANGE = (LOW, HIGH)  # FineWeb2's clip of median - std
MIN_SOURCE_DOCS = 5  # fewer documents of a source (in the language or the reference) say nothing
SUMMARY_NAME = "CALIBRATION.md"


@dataclass
class CalibrationSettings:
    reference: str = "eng_Latn"
    min_docs: int = 30  # full calibration
    min_docs_partial: int = 5  # stop words and word-length bounds only
    max_docs: int = 2000  # per language and source: enough for the tails, bounded time
    # clean-text guard: no rule may remove more of a language's documents (None: off, for web text)
    max_removed_share: float | None = None
    stoplists: dict[str, set[str]] = field(default_factory=dict)  # curated stop-word lists by ISO 639-3
    # language_score = clip(median - std, low, high) of the language's scores (FineWeb2: 0.3, 0.9)
    language_score_range: tuple[float, float] = LANGUAGE_SCORE_RANGE


@dataclass
class Document:
    text: str
    language: str
    source: str = "input"
    language_score: float | None = None


@dataclass
class LanguageSample:
    """What calibration needs of one language's documents (the texts themselves are not kept)."""

    language: str
    metrics: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    word_sets: dict[str, list[frozenset[str]]] = field(default_factory=lambda: defaultdict(list))
    doc_freq: Counter = field(default_factory=Counter)
    scores: list[float] = field(default_factory=list)

    @property
    def docs_by_source(self) -> dict[str, int]:
        return {source: len(sets) for source, sets in self.word_sets.items()}

    @property
    def n_docs(self) -> int:
        return sum(self.docs_by_source.values())

    def values(self, source: str, metric: str) -> np.ndarray:
        return np.asarray(self.metrics[source][metric], dtype=float)


@dataclass
class LanguageResult:
    profile: LanguageProfile
    tier: str  # full | partial | none
    docs_by_source: dict[str, int]
    calibrated: list[str]
    fell_back: list[str]


# ---------------------------------------------------------------------------------------------- input


def read_documents(pattern: str) -> Iterator[Document]:
    """Documents of the Parquet files matching `pattern` (curator's document layout)."""
    files = sorted(glob.glob(pattern, recursive=True))
    if not files:
        raise CuratorError(
            f"--input '{pattern}': no file matches (give a glob of Parquet files, e.g. 'run/stages/*/*.parquet')"
        )
    for path in files:
        columns = set(pq.read_schema(path).names)
        missing = {"text", "language"} - columns
        if missing:
            raise CuratorError(
                f"{path}: no column {', '.join(sorted(missing))}; calibrate reads documents after language ID "
                "(a run's stages/<lid job>/*.parquet or data/<language>/*.parquet)"
            )
        wanted = [c for c in ("text", "language", "language_score", "source") if c in columns]
        for row in pq.read_table(path, columns=wanted).to_pylist():
            yield Document(
                row["text"] or "",
                row["language"] or "",
                row.get("source") or "input",
                row.get("language_score"),
            )


def measure(documents: Iterable[Document], max_docs: int) -> dict[str, LanguageSample]:
    """Metrics, word sets and word frequencies per language (at most `max_docs` per language and source)."""
    samples: dict[str, LanguageSample] = {}
    for doc in documents:
        if not doc.text.strip() or not doc.language:
            continue
        sample = samples.setdefault(doc.language, LanguageSample(doc.language))
        if len(sample.word_sets[doc.source]) >= max_docs:
            continue
        words = profile_tokenizer(doc.language).tokenizer.word_tokenize(doc.text)
        if not words:
            continue
        for name, value in document_metrics(doc.text, words).items():
            sample.metrics[doc.source][name].append(value)
        word_set = frozenset(words)
        sample.word_sets[doc.source].append(word_set)
        sample.doc_freq.update(word_set)
        if doc.language_score is not None and not math.isnan(doc.language_score):
            sample.scores.append(float(doc.language_score))
    return samples


# -------------------------------------------------------------------------------------- calibration


def _rule_value(profile: LanguageProfile, rule: Threshold) -> float | None:
    value = getattr(profile, rule.key)
    if rule.n is None:
        return value
    return dict(value).get(rule.n)


def _set_rule_value(values: dict, rule: Threshold, value: float | int) -> None:
    if rule.n is None:
        values[rule.key] = value
    else:
        values[rule.key] = [(n, value if n == rule.n else frac) for n, frac in values[rule.key]]


def _merged_threshold(
    sample: LanguageSample, reference: LanguageSample, rule: Threshold, ref_threshold: float, metric_of
) -> float | None:
    """Per-source matched thresholds, averaged weighted by the language's documents in each source."""
    total, weight = 0.0, 0
    for source, n in sample.docs_by_source.items():
        if n < MIN_SOURCE_DOCS or reference.docs_by_source.get(source, 0) < MIN_SOURCE_DOCS:
            continue
        threshold, _how = match_threshold(
            metric_of(reference, source), ref_threshold, metric_of(sample, source), rule
        )
        if threshold is not None:
            total, weight = total + n * threshold, weight + n
    return total / weight if weight else None


def calibrate_language(
    sample: LanguageSample | None,
    reference: LanguageSample,
    defaults: LanguageProfile,
    settings: CalibrationSettings,
    reference_profile: LanguageProfile | None = None,
) -> LanguageResult:
    """The profile of one language: calibrated where its data allows, default.yaml's values elsewhere.

    `reference_profile`: the reference language's calibrated profile (None when calibrating the
    reference itself, whose starting point is datatrove's English thresholds)."""
    language = defaults.language
    tokenizer = profile_tokenizer(language)
    values = defaults.model_dump()
    values["tokenizer"] = tokenizer.key
    if reference_profile is None:
        reference_profile = LanguageProfile(language=settings.reference)
    docs = sample.docs_by_source if sample else {}
    shared_docs = sum(
        n
        for s, n in docs.items()
        if n >= MIN_SOURCE_DOCS and reference.docs_by_source.get(s, 0) >= MIN_SOURCE_DOCS
    )
    n_docs = sum(docs.values())
    tier = (
        "full"
        if shared_docs >= settings.min_docs
        else "partial"
        if n_docs >= settings.min_docs_partial
        else "none"
    )
    calibrated: list[str] = []
    loosened: list[str] = []

    thresholds = calibrated_thresholds()
    if tier != "none":
        small_sample = small_sample_keys()
        for rule in thresholds:
            ref_threshold = _rule_value(reference_profile, rule)
            if ref_threshold is None or (tier == "partial" and rule.key not in small_sample):
                continue
            if language == settings.reference:  # datatrove's English thresholds, by definition
                threshold = ref_threshold
            else:
                threshold = _merged_threshold(
                    sample, reference, rule, ref_threshold, lambda s, src, r=rule: s.values(src, r.metric)
                )
            if threshold is not None:
                _set_rule_value(values, rule, final_threshold(threshold, ref_threshold, rule))
                calibrated.append(rule.name)
        _calibrate_stopwords(values, calibrated, sample, reference, reference_profile, settings)
        if tier == "full" and len(sample.scores) >= settings.min_docs:
            scores = np.asarray(sample.scores)
            values["language_score"] = language_score_threshold(scores, *settings.language_score_range)
            calibrated.append("language_score")
        if settings.max_removed_share is not None:
            loosened = _keep_clean_text(values, sample, settings.max_removed_share)
    if "language_score" not in calibrated and values.get("language_score") is not None:
        # the fallback is held to the same range as every calibrated threshold
        low, high = settings.language_score_range
        values["language_score"] = min(max(values["language_score"], low), high)

    all_keys = [r.name for r in thresholds] + ["stopwords", stop_words_threshold().key, "language_score"]
    fell_back = [k for k in all_keys if k not in calibrated and not _disabled(defaults, k)]
    values["calibration"] = {
        "by": f"curator profiles calibrate (share matching against {settings.reference})",
        "tier": tier,
        "docs": n_docs,
        "sources": dict(sorted(docs.items())),
        "tokenizer": tokenizer.description
        + (f"; fallback: {tokenizer.fallback_reason}" if tokenizer.fallback_reason else ""),
        "fell_back_to_default": fell_back,
    }
    if settings.max_removed_share is not None:
        values["calibration"][
            f"loosened_to_keep_{1 - settings.max_removed_share:.0%}_of_calibration_docs"
        ] = loosened
    profile = LanguageProfile.model_validate(values)
    return LanguageResult(profile, tier, docs, calibrated, fell_back)


def _calibrate_stopwords(
    values: dict,
    calibrated: list[str],
    sample: LanguageSample,
    reference: LanguageSample,
    reference_profile: LanguageProfile,
    settings: CalibrationSettings,
) -> None:
    """Frequent words as stop words; min_stop_words matched like a threshold (datatrove's 8 English
    stop words at min 2 are the reference), never above the reference's count."""
    stopwords = choose_stopwords(
        sample.doc_freq, sample.n_docs, stoplist_for(sample.language, settings.stoplists)
    )
    if not stopwords:
        return
    values["stopwords"] = stopwords
    calibrated.append("stopwords")
    own, ref_words = set(stopwords), set(reference_profile.stopwords or STOP_WORDS)

    def stop_counts(s: LanguageSample, source: str) -> np.ndarray:
        words = ref_words if s is reference else own
        return np.asarray([stop_word_count(ws, words) for ws in s.word_sets[source]], dtype=float)

    rule = stop_words_threshold()
    ref_min = _rule_value(reference_profile, rule)
    threshold = _merged_threshold(sample, reference, rule, ref_min, stop_counts)
    if threshold is not None:
        _set_rule_value(values, rule, final_threshold(threshold, ref_min, rule))
        calibrated.append(rule.name)


def _pooled(sample: LanguageSample, metric: str) -> np.ndarray:
    return np.concatenate(
        [sample.values(source, metric) for source in sample.docs_by_source] or [np.empty(0)]
    )


def _keep_clean_text(values: dict, sample: LanguageSample, max_removed: float) -> list[str]:
    """Loosen every rule (calibrated or default) that removes more than `max_removed` of the
    language's own calibration documents. Calibration text is clean prose: even datatrove's English
    thresholds remove ~15 % of clean English articles (mostly the alpha-words rule, which counts
    punctuation tokens as words, and Gopher's 50-word minimum); clean text of every language must
    pass. The reference is loosened first and the others are matched to it, so a minimum document
    length stays the same content in every language."""
    loosened = []
    stopwords = set(values.get("stopwords") or ())
    stop_words_rule = stop_words_threshold()
    for rule in [*calibrated_thresholds(), stop_words_rule]:
        current = values[rule.key] if rule.n is None else dict(values[rule.key]).get(rule.n)
        if current is None or (rule is stop_words_rule and not stopwords):
            continue
        if rule is stop_words_rule:
            pooled = np.asarray(
                [stop_word_count(ws, stopwords) for wss in sample.word_sets.values() for ws in wss]
            )
        else:
            pooled = _pooled(sample, rule.metric)
        relaxed = loosen_to_keep(current, pooled, max_removed, rule)
        if relaxed == current:
            continue
        if rule is stop_words_rule and relaxed < 1:  # too many documents without any: the rule is off
            values[rule.key] = None
        else:
            _set_rule_value(values, rule, final_threshold(relaxed, relaxed, rule))
        loosened.append(rule.name)
    return loosened


MIN_SCRIPT_DONORS = 1  # one calibrated language of the script (Georgian for Mingrelian) beats English


def borrow_from_script(result: LanguageResult, calibrated: list[LanguageResult]) -> LanguageResult:
    """A language without text takes, rule by rule, the median threshold of the calibrated languages
    written in its script (never stricter than default.yaml for the ratio rules): word lengths and
    punctuation habits follow the script far more than English's do. Stop words and the LID
    threshold are the language's own and stay at default.yaml's."""
    script = result.profile.language.partition("_")[2]
    donors = [r.profile for r in calibrated if r.profile.language.partition("_")[2] == script]
    if len(donors) < MIN_SCRIPT_DONORS:
        return result
    values = result.profile.model_dump()
    defaults = LanguageProfile.model_validate({**values, "calibration": None})
    borrowed = []
    for rule in calibrated_thresholds():
        own = _rule_value(defaults, rule)
        theirs = [_rule_value(p, rule) for p in donors]
        if own is None or any(v is None for v in theirs):
            continue
        _set_rule_value(values, rule, final_threshold(float(np.median(theirs)), own, rule))
        borrowed.append(rule.name)
    values["calibration"] = {
        **values["calibration"],
        "borrowed_from_script": f"median of the {len(donors)} calibrated {script} languages",
        "fell_back_to_default": [
            k for k in values["calibration"]["fell_back_to_default"] if k not in borrowed
        ],
    }
    profile = LanguageProfile.model_validate(values)
    return LanguageResult(
        profile,
        result.tier,
        result.docs_by_source,
        result.calibrated,
        profile.calibration["fell_back_to_default"],
    )


def _disabled(profile: LanguageProfile, key: str) -> bool:
    """A key switched off (None) in default.yaml is not 'fallen back': it is off everywhere."""
    return getattr(profile, key.split("[")[0], None) is None and key != "stopwords"


# ------------------------------------------------------------------------------------------- output


def profile_yaml(profile: LanguageProfile) -> str:
    data = profile.model_dump(exclude={"language"})
    for key in ("top_n_grams", "dup_n_grams"):
        data[key] = [list(pair) for pair in data[key]]
    header = f"# {profile.language}: written by `curator profiles calibrate`; see calibration: for where the numbers come from\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def summary_markdown(results: list[LanguageResult], settings: CalibrationSettings, inputs: str) -> str:
    by_tier = defaultdict(list)
    for r in results:
        by_tier[r.tier].append(r.profile.language)
    lines = [
        "# Profile calibration summary",
        "",
        f"Input: `{inputs}`. Reference: `{settings.reference}` at datatrove's English thresholds"
        + (
            f", loosened where a rule removes more than {settings.max_removed_share:.0%} of its calibration documents "
            "(so for every language). "
            if settings.max_removed_share is not None
            else ". "
        )
        + f"Full calibration from ≥ {settings.min_docs} documents shared with the reference's sources; "
        f"partial (stop words, word-length bounds) from ≥ {settings.min_docs_partial}.",
        "",
        f"- full: {len(by_tier['full'])} languages",
        f"- partial: {len(by_tier['partial'])} languages: {' '.join(sorted(by_tier['partial'])) or '-'}",
        f"- too little data (thresholds: median of the same script's calibrated languages, else default.yaml; "
        f"stop words and language_score: default.yaml): {len(by_tier['none'])} languages: "
        f"{' '.join(sorted(by_tier['none'])) or '-'}",
        "",
        "| language | tier | docs (by source) | tokenizer | min/max avg word length | min_doc_words | line_punct_thr | language_score | min_stop_words | fell back |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: r.profile.language):
        p = r.profile
        sources = ", ".join(f"{s} {n}" for s, n in sorted(r.docs_by_source.items())) or "0"
        lines.append(
            f"| {p.language} | {r.tier} | {sources} | {p.calibration['tokenizer']} | "
            f"{p.min_avg_word_length}–{p.max_avg_word_length} | {p.min_doc_words} | {p.line_punct_thr} | "
            f"{p.language_score} | {p.min_stop_words} | {len(r.fell_back)} |"
        )
    return "\n".join(lines) + "\n"


def calibrate_profiles(
    documents: Iterable[Document],
    out_dir: Path,
    settings: CalibrationSettings,
    also_languages: Iterable[str] = (),
    inputs: str = "",
) -> list[LanguageResult]:
    """Measure, calibrate and write `<language>.yaml` for every language seen and every one of
    `also_languages` (without text: see borrow_from_script), plus CALIBRATION.md."""
    samples = measure(documents, settings.max_docs)
    reference = samples.get(settings.reference)
    if reference is None or reference.n_docs < settings.min_docs:
        found = reference.n_docs if reference else 0
        raise CuratorError(
            f"the input has {found} documents of the reference language {settings.reference}; "
            f"calibration needs at least {settings.min_docs} (add some, or pick another --reference)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (out_dir / "default.yaml").is_file():
        shutil.copyfile(DEFAULT_PROFILES_DIR / "default.yaml", out_dir / "default.yaml")
    # the reference first: its thresholds, loosened for its clean text, are what the others match
    ref_result = calibrate_language(
        reference, reference, default_profile(settings.reference, out_dir), settings
    )
    results = []
    for language in sorted(set(samples) | set(also_languages)):
        result = (
            ref_result
            if language == settings.reference
            else calibrate_language(
                samples.get(language),
                reference,
                default_profile(language, out_dir),
                settings,
                ref_result.profile,
            )
        )
        results.append(result)
    full = [r for r in results if r.tier == "full"]
    results = [borrow_from_script(r, full) if r.tier == "none" else r for r in results]
    for result in results:
        write_text_atomic(out_dir / f"{result.profile.language}.yaml", profile_yaml(result.profile))
    write_text_atomic(out_dir / SUMMARY_NAME, summary_markdown(results, settings, inputs))
    return results
