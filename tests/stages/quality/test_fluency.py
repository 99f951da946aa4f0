"""The fluency score on real text: n-gram models trained here from lid-dev sentences, scoring
held-out sentences of the same languages above the same words shuffled; the model folder read by
path; languages without a model counted; and the score inside the quality block through a real
`curator run` (as a filter and as an ensemble member)."""

import json
import random
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import yaml

from curator.config import load_config
from curator.core.errors import CuratorError
from curator.exec.run import run
from curator.stages.quality.buckets import ensemble_score
from curator.stages.quality.fluency import FluencyModels
from curator.stages.quality.ngram import UNK, NgramModel, sentences
from curator.stages.quality.train import shuffled_keeping_punctuation, shuffled_words
from curator.stages.quality.train_lm import LM_TEXT, LanguageText, as_documents, collect_texts, train_language
from tests.conftest import shared_data

# lid-dev file -> the lid stage's label; every 5th line of each file is never trained on (the files
# are sorted alphabetically: a held-out tail would be a different kind of sentence)
LANGUAGES = {"dan": "dan_Latn", "deu": "deu_Latn", "fin": "fin_Latn", "rus": "rus_Cyrl", "jpn": "jpn_Jpan"}


def split(lines: list[str], test: bool) -> list[str]:
    return [line for i, line in enumerate(lines) if (i % 5 == 4) == test]


def lid_dev_lines(code: str) -> list[str]:
    path = shared_data("lid-dev") / f"{code}.txt"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def shuffled(text: str, seed: int) -> str:
    return shuffled_words(text, random.Random(seed))


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lm")
    for code, label in LANGUAGES.items():
        text = LanguageText(label)
        text.add(f"lid-dev/{code}.txt", split(lid_dev_lines(code), test=False))
        train_language(text, out, order=3, folds=2)
    return out


def held_out_docs(code: str) -> list[str]:
    return [d for d in as_documents(split(lid_dev_lines(code), test=True), code) if len(d) > 100]


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_prose_scores_above_its_shuffled_words(lm_dir, code):
    models = FluencyModels(lm_dir)
    docs = held_out_docs(code)
    assert len(docs) >= 8
    wins = 0
    for i, doc in enumerate(docs):
        prose = models.score(doc, LANGUAGES[code])
        bad = models.score(shuffled(doc, i), LANGUAGES[code])
        wins += prose > bad
    assert wins >= 0.9 * len(docs), f"{code}: prose above its shuffle in only {wins}/{len(docs)} documents"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "jpn"])  # jpn: no spaces, no words to move
def test_prose_scores_above_its_words_shuffled_with_punctuation_in_place(lm_dir, code):
    """The hard negative: every sentence still ends with its full stop, so only word order tells."""
    models = FluencyModels(lm_dir)
    docs = held_out_docs(code)
    rng = random.Random(code)
    wins = sum(
        models.score(doc, LANGUAGES[code])
        > models.score(shuffled_keeping_punctuation(doc, rng), LANGUAGES[code])
        for doc in docs
    )
    assert wins >= 0.85 * len(docs), f"{code}: prose above its shuffle in only {wins}/{len(docs)} documents"


def test_assamese_from_the_bundled_text(tmp_path):
    """Assamese has neither lid-dev nor UDHR text: data/lm-text/asm_Beng.txt.gz (LibreOffice's
    Assamese messages) is read by default, and its model tells held-out messages from their
    shuffled words."""
    texts = collect_texts(None, None, {}, LM_TEXT)
    assert list(texts["asm_Beng"].sources) == ["lm-text/asm_Beng.txt.gz"]
    units = texts["asm_Beng"].units
    assert len(units) > 3000
    train = LanguageText("asm_Beng")
    train.add("lm-text", split(units, test=False))
    train_language(train, tmp_path, order=3, folds=2)
    models = FluencyModels(tmp_path)
    docs = [d for d in as_documents(split(units, test=True), "asm") if len(d.split()) >= 20]
    rng = random.Random(1)
    wins = sum(models.score(d, "asm_Beng") > models.score(shuffled_words(d, rng), "asm_Beng") for d in docs)
    assert len(docs) >= 50 and wins >= 0.9 * len(docs)


def test_rare_words_become_classes_by_their_ending(tmp_path):
    corpus = [t for line in lid_dev_lines("dan")[:300] for t in sentences(line)]
    model = NgramModel.train(corpus, order=3)
    assert model.oov_suffix == 2
    classes = [g[0] for g in model.probs[0] if g[0].startswith("<unk:")]
    assert classes and all(len(c) == len("<unk:xy>") for c in classes)
    known = next(g[0] for g in model.probs[0] if g[0] not in (UNK, "<s>", "</s>") and g[0] not in classes)
    assert model.token(known) == known
    assert model.token("zzzzzz" + classes[0][5:7]) == classes[0]  # an unseen word with a seen ending
    assert model.token("ǂǂǂǂǂǂ") == UNK  # an unseen ending
    again = NgramModel.load_arpa(model.save_arpa(tmp_path / "dan.arpa.gz"))
    assert again.oov_suffix == 2 and again.token("zzzzzz" + classes[0][5:7]) == classes[0]
    plain = NgramModel.train(corpus, order=3, oov_suffix=0)  # every rare word is <unk> (as kenlm's)
    assert plain.oov_suffix == 0 and plain.token("zzzzzz") == UNK


def test_sentences_split_after_sentence_final_punctuation():
    assert sentences("Det er godt. Men ikke her!\nNy linje") == [
        ["det", "er", "godt", "."],
        ["men", "ikke", "her", "!"],
        ["ny", "linje"],
    ]
    assert sentences("Hvad?! Ja...") == [["hvad", "?", "!"], ["ja", ".", ".", "."]]


def test_probabilities_sum_to_one_and_arpa_round_trip(tmp_path):
    corpus = [t for line in lid_dev_lines("dan")[:300] for t in sentences(line)]
    model = NgramModel.train(corpus, order=3)
    words = [g[0] for g in model.probs[0] if g[0] != "<s>"]
    assert UNK in words
    for context in [(), ("<s>",), ("det", "er"), ("never-seen", "og")]:
        assert sum(10 ** model.log10_prob(context, w) for w in words) == pytest.approx(1.0, abs=1e-6)
    path = model.save_arpa(tmp_path / "dan.arpa.gz")
    again = NgramModel.load_arpa(path)
    doc = "\n".join(lid_dev_lines("dan")[-5:])
    assert again.score(doc) == pytest.approx(model.score(doc), abs=1e-4)
    assert model.save_arpa(tmp_path / "again.arpa.gz").read_bytes() == path.read_bytes()  # reproducible


def test_a_broken_model_file_is_named(tmp_path):
    bad = tmp_path / "dan_Latn.arpa.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(CuratorError, match="dan_Latn.arpa.gz"):
        FluencyModels(tmp_path).model("dan_Latn")


def test_models_by_path_calibration_and_missing_languages(lm_dir, tmp_path):
    models = FluencyModels(lm_dir)
    assert models.problem() is None
    assert models.languages() == sorted(LANGUAGES.values())
    assert models.score("Det er en god dag.", "swe_Latn") is None  # no Swedish model
    # the calibrated threshold: a stricter keep share is a higher bar, and about that share of
    # unseen clean text passes it
    assert models.min_score("dan_Latn", 0.5) > models.min_score("dan_Latn", 0.9)
    scores = [models.score(d, "dan_Latn") for d in held_out_docs("dan")]
    passed = sum(s >= models.min_score("dan_Latn", 0.8) for s in scores) / len(scores)
    assert 0.6 <= passed <= 0.97
    assert "not found" in FluencyModels(tmp_path / "nowhere").problem()
    assert "no *.arpa.gz" in FluencyModels(tmp_path).problem()


def test_a_missing_fluency_score_does_not_take_part_in_the_ensemble():
    edges = {"web": [0.1 * k for k in range(1, 10)], "fluency": [-3.0 + 0.1 * k for k in range(1, 10)]}
    scores = {"web": 0.95, "fluency": -2.85}
    assert ensemble_score(scores, edges, 10, "max") == 1.0
    assert ensemble_score(scores, edges, 10, "min") == pytest.approx(1 / 9)
    assert ensemble_score({"web": 0.95, "fluency": None}, edges, 10, "min") == 1.0
    # a language without a model is ranked by the classifier alone, under every rule: no penalty
    for rule in ("max", "mean", "min"):
        alone = ensemble_score({"web": 0.95}, {"web": edges["web"]}, 10, rule)
        assert ensemble_score({"web": 0.95, "fluency": None}, edges, 10, rule) == alone == 1.0


def make_config(tmp_path: Path, lm_dir: Path, quality: dict) -> Path:
    """Danish and German held-out prose and its shuffled words, plus Swedish (no model)."""
    path = tmp_path / "docs.jsonl"
    with path.open("w") as f:
        for code in ("dan", "deu"):
            for i, doc in enumerate(held_out_docs(code)[:15]):
                for kind, text in (("prose", doc), ("shuffled", shuffled(doc, i))):
                    row = {"id": f"{code}-{kind}-{i}", "text": text, "language": LANGUAGES[code]}
                    f.write(json.dumps(row) + "\n")
        for i, doc in enumerate(held_out_docs("swe")[:5]):
            f.write(json.dumps({"id": f"swe-prose-{i}", "text": doc, "language": "swe_Latn"}) + "\n")
    cfg = {
        "name": "t",
        "input": {"format": "jsonl", "paths": [str(path)]},
        "output": str(tmp_path / "out"),
        "executor": {"kind": "local", "tasks": 2, "workers": 2},
        "stages": [
            {"quality": {"fluency": {"models": str(lm_dir), **quality.pop("fluency", {})}, **quality}}
        ],
        "report": False,
    }
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    return config


def rows(folder: Path) -> list[dict]:
    return ds.dataset(folder, format="parquet").to_table().to_pylist() if folder.exists() else []


def test_run_filters_unfluent_documents_and_counts_languages_without_a_model(lm_dir, tmp_path):
    loaded = load_config(make_config(tmp_path, lm_dir, {"fluency": {"keep_clean_fraction": 0.8}}))
    run(loaded)
    kept = rows(loaded.output_dir / "data")
    removed = rows(loaded.output_dir / "removed" / "quality")
    assert {r["reason"] for r in removed} == {"quality:not_fluent"}
    shuffled_removed = sum("-shuffled-" in r["id"] for r in removed)
    assert shuffled_removed >= 0.9 * 30  # nearly all the shuffled documents
    assert len(removed) - shuffled_removed <= 0.4 * 30  # and about the calibrated 20% of prose
    swedish = [r for r in kept if r["language"] == "swe_Latn"]
    assert len(swedish) == 5 and all(r["quality_score_fluency"] is None for r in swedish)
    assert all(r["quality_score_fluency"] is not None for r in kept if r["language"] != "swe_Latn")
    stats = json.loads((loaded.output_dir / "stats" / "quality.json").read_text())
    assert stats["metrics"]["fluency_no_model/swe_Latn"] == 5
    assert stats["removed"] == {"quality:not_fluent": len(removed)}
    buckets = json.loads((loaded.output_dir / "stages" / "quality" / "buckets.json").read_text())
    assert buckets["classifiers"] == ["web", "fluency"]
    assert buckets["languages"]["swe_Latn"]["edges"]["fluency"] == []


def test_run_ensemble_ranks_prose_above_shuffled_with_min_rule(lm_dir, tmp_path):
    loaded = load_config(make_config(tmp_path, lm_dir, {"combine": "min", "keep_top_fraction": 0.5}))
    run(loaded)
    everything = rows(loaded.output_dir / "data") + rows(loaded.output_dir / "removed" / "quality")
    prose = [r["quality_score"] for r in everything if "-prose-" in r["id"] and r["language"] != "swe_Latn"]
    bad = [r["quality_score"] for r in everything if "-shuffled-" in r["id"]]
    pairs = sum(p > b for p in prose for b in bad) + 0.5 * sum(p == b for p in prose for b in bad)
    assert pairs / (len(prose) * len(bad)) >= 0.9  # ROC-AUC of the ensemble, prose vs shuffled
    kept = rows(loaded.output_dir / "data")
    assert sum("-shuffled-" in r["id"] for r in kept) <= 3


def test_a_language_without_a_model_uses_its_macrolanguage_s(tmp_path):
    """Serbian in Latin script has no text of its own here; the UDHR's Serbo-Croatian (hbs_Latn,
    its macrolanguage) model scores it, and the filter counts that it did."""
    from datatrove.data import Document

    from curator.stages.quality.fluency_filter import FluencyFilter
    from curator.stages.quality.train_lm import UDHR_BUNDLE, collect_texts

    texts = collect_texts(None, UDHR_BUNDLE, {})
    assert "srp_Latn" not in texts
    train_language(texts["hbs_Latn"], tmp_path, order=3, folds=2)
    models = FluencyModels(tmp_path)
    assert models.resolve("srp_Latn") == "hbs_Latn"
    assert models.resolve("srp_Cyrl") is None  # not the same script
    step = FluencyFilter(models)
    doc = Document(
        "Svako ima pravo na život, slobodu i bezbednost ličnosti.", "d1", metadata={"language": "srp_Latn"}
    )
    assert step.filter(doc) is True
    assert doc.metadata["quality_score_fluency"] is not None
    assert step.stats["fluency_related_model/srp_Latn:hbs_Latn"].total == 1
    cyrillic = Document("Свако има право на живот.", "d2", metadata={"language": "srp_Cyrl"})
    assert step.filter(cyrillic) is True and cyrillic.metadata["quality_score_fluency"] is None
    assert step.stats["fluency_no_model/srp_Cyrl"].total == 1
