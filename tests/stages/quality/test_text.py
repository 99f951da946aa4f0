"""The one text preparation shared by training and prediction."""

import unicodedata

from curator.stages.quality.text import prepare_text
from tests.conftest import shared_data


def test_curator_normalization_makes_one_line_of_tokens():
    text = "Hello, World!\n2020年06月16日 02:31 — © Foo|Bar\r\nनमस्ते। दुनिया"
    assert prepare_text(text) == (
        "hello , world ! 0000 年 00 月 00 日 00 : 00 — © foo | bar नमस्ते । दुनिया"
    )  # Devanagari vowel signs stay inside their word


def test_newlines_normalization_only_joins_lines():
    assert prepare_text("Title\nFirst line.\r\nSecond", "newlines") == "Title First line.  Second"


# real web sentences (../shared/data/lid-dev) whose scripts end sentences with their own marks
_SCRIPT_STOPS = {"ben": "।", "hin": "।", "urd": "۔", "hye": "։", "jpn": "。", "zho": "。"}


def _first_line_ending_with(language: str, mark: str) -> str:
    path = shared_data(f"lid-dev/{language}.txt")
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.rstrip().endswith(mark) and mark not in line.rstrip()[:-1]:
            return line.rstrip()
    raise AssertionError(f"{path}: no line ending in {mark!r}")


def test_sentences_normalization_gives_every_script_the_same_full_stop():
    for language, mark in _SCRIPT_STOPS.items():
        line = _first_line_ending_with(language, mark)
        lines = prepare_text(line, "lines").split()
        sentences = prepare_text(line, "sentences").split()
        assert lines[-1] == mark, language  # "lines" keeps the script's own mark ...
        assert sentences[-1] == ".", language  # ... "sentences" makes it the Latin one
        assert sentences[:-1] == lines[:-1], language  # and changes nothing else on that line
        assert mark not in " ".join(sentences), language


def test_sentences_normalization_keeps_questions_apart_and_latin_text_as_lines():
    arabic = next(
        line
        for line in shared_data("lid-dev/ara.txt").read_text(encoding="utf-8").splitlines()
        if "؟" in line
    )
    assert "?" in prepare_text(arabic, "sentences").split()
    assert "؟" not in prepare_text(arabic, "sentences")
    assert prepare_text("¿Qué? ¡Sí!\nNo.", "sentences") == "¿ qué ? ¡ sí ! ⏎ no ."
    english = shared_data("lid-dev/eng.txt").read_text(encoding="utf-8").splitlines()[:200]
    for line in english:  # Latin-script text already uses . ? ! : nothing changes for it
        assert prepare_text(line, "sentences") == prepare_text(line, "lines")
    for name, char in (
        ("ETHIOPIC FULL STOP", "።"),
        ("ETHIOPIC QUESTION MARK", "፧"),
        ("FULLWIDTH EXCLAMATION MARK", "！"),
    ):
        assert unicodedata.name(char) == name
    assert prepare_text("ሰላም። ነው፧ 好！", "sentences") == "ሰላም . ነው ? 好 !"
