"""Start-up accounting: a filter's loads before the first document and for each new language are
counted under core.accounting's start-up key, outside the per-document time (a fake clock: no timing)."""

from datatrove.data import Document

from curator.core import filter_base
from curator.core.accounting import KeyKind, parse_key, startup_key
from curator.core.filter_base import CuratorFilter


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class LoadingFilter(CuratorFilter):
    """setup: 2 s; a new language: 1 s; each document: 0.01 s (on the fake clock)."""

    name = "loading"

    def __init__(self, clock: FakeClock):
        super().__init__()
        self.clock = clock
        self.events: list[str] = []
        self.languages: set[str] = set()

    def setup(self):
        self.events.append("setup")
        self.clock.now += 2.0

    def prepare(self, doc):
        language = doc.metadata["language"]
        if language not in self.languages:
            self.languages.add(language)
            self.events.append(f"load {language}")
            self.clock.now += 1.0

    def filter(self, doc):
        assert doc.metadata["language"] in self.languages  # loaded before the document is timed
        self.events.append(f"doc {doc.id}")
        self.clock.now += 0.01
        return doc.metadata["language"] != "fra_Latn" or (False, "french")


def test_startup_counts_setup_new_languages_and_the_first_document(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(filter_base.time, "perf_counter", clock)
    step = LoadingFilter(clock)
    languages = ["deu_Latn", "deu_Latn", "fra_Latn", "deu_Latn", "eng_Latn"]
    docs = [Document(text="t", id=str(i), metadata={"language": lang}) for i, lang in enumerate(languages)]
    assert step.events == []  # nothing loads before the task runs the step
    kept = [d.id for d in step.run(iter(docs))]
    assert kept == ["0", "1", "3", "4"]
    assert step.events[:3] == ["setup", "load deu_Latn", "doc 0"]
    assert step.events.count("load deu_Latn") == 1 and "load eng_Latn" in step.events
    # setup 2 + three languages 3 + the first document 0.01
    assert abs(step.stats[startup_key()].total - 5.01) < 1e-6
    assert step.stats["removed/french"].total == 1


def test_a_step_that_loads_nothing_reports_zero_startup(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(filter_base.time, "perf_counter", clock)

    class Plain(CuratorFilter):
        name = "plain"

        def filter(self, doc):
            return True

    step = Plain()
    assert list(step.run(iter([]))) == []
    assert step.stats[startup_key()].total == 0


def test_startup_key_is_a_metric_kept_in_the_stage_stats():
    key = parse_key(startup_key())
    assert key.kind is KeyKind.METRIC and key.language is None
