"""Word tokenizers loaded before the local executor forks: the same words in the forked tasks as
datatrove's own tokenizer gives, and the record of the languages a run's filters met."""

import json
import multiprocessing as mp
import os
import time

from datatrove.data import Document
from datatrove.utils.text import split_into_words
from datatrove.utils.word_tokenizers import load_tokenizer_assignments

from curator.stages.filters.fused import FusedHeuristicFilter
from curator.text.tokenizers import record_task, resolve, worth_preloading
from curator.text.words import preload_splitters, word_splitter
from tests.conftest import shared_data

# the loads that differ from datatrove's: Kiwi warmed at load, jieba's cache in curator's cache,
# and a spaCy language with ~48k special cases (Malay)
LABELS = {"kor_Hang": "kor", "cmn_Hani": "zho", "msa_Latn": "msa", "fra_Latn": "fra"}


def documents(code: str) -> list[str]:
    lines = shared_data(f"lid-dev/{code}.txt").read_text(encoding="utf-8").splitlines()
    return ["\n".join(lines[i : i + 10]) for i in range(0, len(lines), 10)]


def _words_in_task(queue, label: str, texts: list[str]) -> None:
    queue.put([word_splitter(label).words(text) for text in texts])


def test_a_forked_task_splits_as_datatrove_after_the_preload(tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_CACHE_DIR", str(tmp_path))  # jieba's dictionary cache is built here
    import jieba

    jieba_fresh = not jieba.dt.initialized  # else an earlier test of this process loaded it
    assert preload_splitters(list(LABELS)) == list(LABELS)
    fork = mp.get_context("fork")
    for label, code in LABELS.items():
        texts = documents(code)
        queue = fork.Queue()
        task = fork.Process(target=_words_in_task, args=(queue, label, texts))
        task.start()
        words = queue.get(timeout=300)
        task.join()
        stock = load_tokenizer_assignments()[resolve(label).key]()  # a new object, loaded by datatrove
        assert words == [split_into_words(text, stock) for text in texts], label
        assert sum(map(len, words)) > 1000
    if jieba_fresh and "jieba" in repr(getattr(word_splitter("cmn_Hani").tokenizer, "config", None)):
        assert list((tmp_path / "jieba").glob("*.cache"))  # or jieba kept it in the temp folder


def test_each_task_records_its_documents_per_tokenizer(tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_CACHE_DIR", str(tmp_path))
    docs = [
        Document(text="Ein kurzer Text.", id="1", metadata={"language": "deu_Latn"}),
        Document(text="Noch ein Text.", id="2", metadata={"language": "deu_Latn"}),
        Document(text="A short text.", id="3", metadata={"language": "eng_Latn"}),
    ]
    list(FusedHeuristicFilter().run(iter(docs)))
    (record,) = (tmp_path / "tokenizers-met").glob("*.json")
    assert json.loads(record.read_text()) == {"docs": 3, "labels": {"deu_Latn": 2, "eng_Latn": 1}}
    assert worth_preloading(tasks=2) == ["deu_Latn", "eng_Latn"]  # 2 of 3 documents, 1 of 3: both likely


def _task(tmp_path, labels: dict[str, int], age_days: float = 0, now: float | None = None) -> None:
    record_task(labels)
    newest = max((tmp_path / "tokenizers-met").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    os.utime(newest, ((now or time.time()) - age_days * 86400,) * 2)
    newest.rename(newest.with_name(f"{time.time_ns()}-{len(labels)}-{age_days}.json"))


def test_what_is_worth_preloading_is_what_more_than_one_task_would_meet(tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_CACHE_DIR", str(tmp_path))
    assert worth_preloading(tasks=8) == []  # nothing recorded: nothing preloaded
    now = time.time()
    # two large tasks of a real run, a demo's small task with other languages, an old run
    _task(tmp_path, {"deu_Latn": 900, "eng_Latn": 250, "kor_Hang": 2, "ind_Latn": 1}, now=now)
    _task(tmp_path, {"deu_Latn": 880, "eng_Latn": 270, "kor_Hang": 1, "fra_Latn": 3}, now=now)
    _task(tmp_path, {"tha_Thai": 20, "swh_Latn": 20, "eng_Latn": 20}, now=now)
    _task(tmp_path, {"jpn_Jpan": 5000}, age_days=40, now=now)  # too old to count
    # shares of the 2,367 documents: kor and fra 3 (a task of 1,153 meets them with 77%), ind 1 (39%),
    # tha and swh 20 (a task of 1,153 meets them for sure, a task of 50 with 35%)
    big = ["deu_Latn", "eng_Latn", "swh_Latn", "tha_Thai", "fra_Latn", "kor_Hang"]
    assert worth_preloading(tasks=2, docs_per_task=1153, now=now) == big
    assert worth_preloading(tasks=2, now=now) == big  # unknown size: the recorded tasks' median (1,153)
    assert worth_preloading(tasks=2, docs_per_task=50, now=now) == ["deu_Latn", "eng_Latn"]  # a demo's tasks
    assert set(worth_preloading(tasks=64, docs_per_task=50, now=now)) == {*big, "ind_Latn"}
    (tmp_path / "tokenizers-met" / "broken.json").write_text("{")  # a damaged record only costs time
    assert worth_preloading(tasks=2, docs_per_task=1153, now=now) == big


def test_the_record_keeps_the_newest_tasks(tmp_path, monkeypatch):
    import curator.text.tokenizers as tokenizers

    monkeypatch.setenv("CURATOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tokenizers, "MET_RECORDS_KEPT", 3)
    for n in range(7):
        record_task({f"l{n:02d}_Latn": 1})
    kept = sorted((tmp_path / "tokenizers-met").glob("*.json"))
    assert len(kept) == 3 and json.loads(kept[-1].read_text())["labels"] == {"l06_Latn": 1}


def test_the_preload_stops_at_its_memory_bound_and_skips_what_fails(monkeypatch):
    assert preload_splitters(["eng_Latn"], max_mb=-1) == []  # over the memory bound before the first
    assert preload_splitters(["eng_Latn"], max_seconds=-1) == []  # over the time bound
    import curator.text.words as words

    def splitter(label):
        if label == "tha_Thai":
            raise ImportError("pythainlp is not installed")  # a package missing on this machine
        return word_splitter(label)

    monkeypatch.setattr(words, "word_splitter", splitter)
    assert preload_splitters(["tha_Thai", "eng_Latn"]) == ["eng_Latn"]  # left to the task


def test_the_filters_preload_only_for_several_tasks(monkeypatch):
    """The executor says how many tasks fork and how many documents each reads (core/preload passes
    them to hooks that take them): for one task, loading in the parent would only add the languages
    it may not meet."""
    import curator.stages.filters.fused as fused
    from curator.core.preload import preload

    calls = []
    monkeypatch.setattr(fused, "preload_splitters", lambda tasks, docs_per_task: calls.append(docs_per_task))

    class Plain:  # a hook without `tasks` is called as before
        def preload(self):
            calls.append("plain")

    preload([FusedHeuristicFilter(), Plain()], tasks=1)
    assert calls == ["plain"]
    preload([FusedHeuristicFilter()], tasks=2, docs_per_task=1171.0)
    preload([FusedHeuristicFilter()])  # unknown: preload
    assert calls == ["plain", 1171.0, None]
