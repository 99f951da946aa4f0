"""The one text preparation shared by training and prediction."""

from curator.stages.quality.text import prepare_text


def test_curator_normalization_makes_one_line_of_tokens():
    text = "Hello, World!\n2020年06月16日 02:31 — © Foo|Bar\r\nनमस्ते। दुनिया"
    assert prepare_text(text) == (
        "hello , world ! 0000 年 00 月 00 日 00 : 00 — © foo | bar नमस्ते । दुनिया"
    )  # Devanagari vowel signs stay inside their word


def test_newlines_normalization_only_joins_lines():
    assert prepare_text("Title\nFirst line.\r\nSecond", "newlines") == "Title First line.  Second"
