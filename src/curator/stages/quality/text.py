"""The text a quality classifier sees. Training and prediction must use the same function.

fastText reads one line per example and splits words on whitespace, so newlines become spaces.
Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) would be one
"word" per sentence; a space around each of their characters lets word n-grams act as character
n-grams there. This is a property of the writing system, not of a language. Punctuation and
symbols become tokens of their own and digits become 0: they tell prose from menus, footers and
lists in any language, also in languages the classifier never saw. With "sentences", a sentence-final
mark of any script (Unicode's Sentence_Terminal: । ۔ 。 ። ։ ؟ …) becomes the one mark Latin text uses
(. ? !): a classifier trained mostly on Latin-script prose learns "a sentence ends here" once, and that
then holds in scripts it never saw.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Literal

import regex

Normalization = Literal["curator", "lines", "sentences", "newlines"]
NORMALIZATIONS: tuple[Normalization, ...] = ("curator", "lines", "sentences", "newlines")
LINE_BREAK = "⏎"  # "lines": a line break as a token of its own

_UNSPACED_SCRIPTS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # Han extension A
    (0x4E00, 0x9FFF),  # Han
    (0xF900, 0xFAFF),  # Han compatibility
)
_LAST_CODE_POINT = 0x1FFFF  # basic and supplementary multilingual planes (emoji included)


@cache
def _token_table() -> dict[int, str]:
    """str.translate table: decimal digits -> 0; punctuation, symbols and characters of unspaced
    scripts -> themselves between spaces. One C-level pass instead of several regex passes."""
    table: dict[int, str] = {}
    for cp in range(_LAST_CODE_POINT + 1):
        category = unicodedata.category(chr(cp))
        if category == "Nd":
            table[cp] = "0"
        elif category[0] in "PS":
            table[cp] = f" {chr(cp)} "
    for first, last in _UNSPACED_SCRIPTS:
        for cp in range(first, last + 1):
            if cp not in table:
                table[cp] = f" {chr(cp)} "
    return table


def sentence_mark(char: str) -> str:
    """The Latin mark a sentence-final mark of any script stands for: "?" for question marks, "!"
    for exclamation marks, "." for the rest (full stops, dandas, the Ethiopic and Armenian full
    stops...). The set is Unicode's Sentence_Terminal property, so every script is covered the same
    way and none is listed by hand; the name decides the kind."""
    name = unicodedata.name(char, "")
    if "QUESTION" in name:
        return "?"
    if "EXCLAMATION" in name:
        return "!"
    return "."


@cache
def _sentence_table() -> dict[int, str]:
    """_token_table, with every Sentence_Terminal character mapped to its Latin mark (a token)."""
    table = dict(_token_table())
    terminal = regex.compile(r"\p{Sentence_Terminal}")
    for cp in range(_LAST_CODE_POINT + 1):
        char = chr(cp)
        if terminal.match(char):
            table[cp] = f" {sentence_mark(char)} "
    return table


def prepare_text(text: str, normalization: Normalization = "curator") -> str:
    """One line of text for fastText.

    "curator": lower case, digits as 0, punctuation and symbols as tokens, unspaced scripts split
    into characters, whitespace collapsed (`curator quality train`'s default);
    "lines": "curator", and each line break a token (⏎): a list of short lines (a menu, a list of
    page titles) then differs from the same words in a paragraph, which "curator" makes one line;
    "sentences": "lines", and every sentence-final mark of every script one of the tokens . ? !
    (prose ends its sentences alike in every script; see sentence_mark): the shipped model's;
    "newlines": newlines to spaces only (models trained elsewhere, e.g. DCLM's or FineWeb-Edu's
    fastText classifiers).
    """
    if normalization == "newlines":
        return text.replace("\r", " ").replace("\n", " ").strip()
    if normalization in ("lines", "sentences"):
        table = _sentence_table() if normalization == "sentences" else _token_table()
        lines = (" ".join(line.lower().translate(table).split()) for line in text.splitlines())
        return f" {LINE_BREAK} ".join(line for line in lines if line)
    return " ".join(text.lower().translate(_token_table()).split())
