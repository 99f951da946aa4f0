"""The text a quality classifier sees. Training and prediction must use the same function.

fastText reads one line per example and splits words on whitespace, so newlines become spaces.
Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) would be one
"word" per sentence; a space around each of their characters lets word n-grams act as character
n-grams there. This is a property of the writing system, not of a language. Punctuation and
symbols become tokens of their own and digits become 0: they tell prose from menus, footers and
lists in any language, also in languages the classifier never saw.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Literal

Normalization = Literal["curator", "lines", "newlines"]
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


def prepare_text(text: str, normalization: Normalization = "curator") -> str:
    """One line of text for fastText.

    "curator": lower case, digits as 0, punctuation and symbols as tokens, unspaced scripts split
    into characters, whitespace collapsed (the shipped model and `curator quality train`);
    "lines": "curator", and each line break a token (⏎): a list of short lines (a menu, a list of
    page titles) then differs from the same words in a paragraph, which "curator" makes one line;
    "newlines": newlines to spaces only (models trained elsewhere, e.g. DCLM's or FineWeb-Edu's
    fastText classifiers).
    """
    if normalization == "newlines":
        return text.replace("\r", " ").replace("\n", " ").strip()
    if normalization == "lines":
        lines = (" ".join(line.lower().translate(_token_table()).split()) for line in text.splitlines())
        return f" {LINE_BREAK} ".join(line for line in lines if line)
    return " ".join(text.lower().translate(_token_table()).split())
