"""The HeLI scorer and the close-neighbour arbiter, with the shared HeLI models unpacked into a cache.

The models are GPL-3.0 and never part of the repository: ../shared/models/heli-openlid-hpltv4.tar.xz
is unpacked once into ~/.cache/curator-tests/ (or $CURATOR_TEST_CACHE) and used from there.
"""

import gzip
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

import pytest
from datatrove.data import Document

from curator.stages.lid.heli import Arbiter, HeliModelError, HeliScorer, heli_words
from tests.conftest import PROJECT_ROOT, SHARED_DATA
from tests.stages.lid.test_block import make_block, profiles, run_step

TARBALL = SHARED_DATA.parent / "models" / "heli-openlid-hpltv4.tar.xz"
CACHE = Path(os.environ.get("CURATOR_TEST_CACHE", Path.home() / ".cache" / "curator-tests"))


@pytest.fixture(scope="session")
def heli_models() -> Path:
    """The unpacked model folder (unpacked once, atomically: a temp folder renamed into place)."""
    if not TARBALL.is_file():
        message = f"shared HeLI models missing: {TARBALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    target = CACHE / "heli-openlid-hpltv4"
    if not (target / "languagelist").is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=CACHE))
        with tarfile.open(TARBALL) as tar:
            tar.extractall(tmp, filter="data")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    return target


def udhr(label: str, n: int = 3) -> list[str]:
    texts = []
    with gzip.open(PROJECT_ROOT / "data" / "calibration" / "udhr.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record["language"] == label:
                texts.append(record["text"])
    return texts[:n]


def test_heli_words_follow_heli_preprocessing():
    assert heli_words("L'aigua, clara! 123 a-b") == ["l'aigua", "clara", "a", "b"]
    assert heli_words("在Ubuntu上") == ["在", "ubuntu", "上"]


def test_scorer_tells_close_neighbours_apart(heli_models):
    scorer = HeliScorer(heli_models)
    for truth, other in (("ast_Latn", "spa_Latn"), ("spa_Latn", "ast_Latn"), ("nno_Latn", "nob_Latn")):
        for text in udhr(truth):
            assert scorer.scores(text, [truth, other])[0][0] == truth


def test_arbiter_is_consulted_only_for_confusable_labels(heli_models):
    arbiter = Arbiter(heli_models)
    assert arbiter.check() is None
    assert arbiter.consulted("spa_Latn") and arbiter.consulted("hrv_Latn")
    assert not arbiter.consulted("hbs_Latn")  # the honest answer when the voters disagree: left alone
    assert not arbiter.consulted("eng_Latn") and not arbiter.consulted("deu_Latn")
    verdict = arbiter.decide("spa_Latn", udhr("ast_Latn", 1)[0])
    assert verdict.label == "ast_Latn" and verdict.ensemble_label == "spa_Latn" and verdict.group == "ast-spa"


def test_a_run_with_arbiter_uses_it(tmp_path, heli_models):
    block = make_block(tmp_path, profiles=profiles(tmp_path, 0.3), arbiter=str(heli_models))
    assert block.check() == []
    docs = [
        Document(text=text, id=f"{label}-{i}")
        for label in ("ast_Latn", "spa_Latn")
        for i, text in enumerate(udhr(label))
    ]
    docs.append(Document(text="The quick brown fox jumps over the lazy dog near the river bank.", id="eng"))
    step, kept = run_step(block, docs)
    labels = {d.id: d.metadata["language"] for d in kept}
    assert all(labels[f"ast_Latn-{i}"] == "ast_Latn" for i in range(3))
    assert all(labels[f"spa_Latn-{i}"] == "spa_Latn" for i in range(3))
    assert step.stats["arbiter_consulted"].total == 6  # the English page is not sent to the arbiter


def test_bad_arbiter_folder_is_a_config_problem(tmp_path):
    block = make_block(tmp_path, arbiter=str(tmp_path))
    (problem,) = [p for p in block.check() if p.key == "arbiter"]
    assert "languagelist" in problem.message
    with pytest.raises(HeliModelError):
        Arbiter(tmp_path)


def test_default_run_has_no_arbiter(tmp_path):
    block = make_block(tmp_path)
    (phase,) = block.phases()
    assert phase.steps[0].arbiter is None


def test_margin_keeps_the_ensemble_label_when_heli_is_not_clearly_better():
    from curator.stages.lid.heli import overrule

    scores = (("nno_Latn", 2.10), ("nob_Latn", 2.30), ("dan_Latn", 3.0))
    assert overrule("nob_Latn", scores, 0.5) == ("nob_Latn", pytest.approx(0.2))  # 0.2 < margin: kept
    assert overrule("nob_Latn", scores, 0.1)[0] == "nno_Latn"
    assert overrule("nno_Latn", scores, 0.5) == ("nno_Latn", 0.0)  # HeLI agrees
    # msa is not in the folder: the gap is HeLI's best over its second
    assert overrule("msa_Latn", (("ind_Latn", 2.0), ("zsm_Latn", 2.8)), 0.5)[0] == "ind_Latn"


def test_default_margin_still_fixes_asturian(heli_models):
    arbiter = Arbiter(heli_models)
    assert arbiter.margin == Arbiter.MARGIN > 0
    for text in udhr("ast_Latn", 3):
        verdict = arbiter.decide("spa_Latn", text)
        assert verdict.label == "ast_Latn" and verdict.gap >= arbiter.margin
