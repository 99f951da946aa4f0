"""The text a quality classifier sees. Training and prediction must use the same function.

fastText reads one line per example and splits words on whitespace, so newlines become spaces.
Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) would be one
"word" per sentence; a space around each of their characters lets word n-grams act as character
n-grams there. This is a property of the writing system, not of a language.
"""

from __future__ import annotations

import re
from typing import Literal

import regex

Normalization = Literal["curator", "newlines"]

_UNSPACED_SCRIPTS = re.compile(
    "(["
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "])"
)
_PUNCTUATION = regex.compile(r"([\p{P}\p{S}])")  # not [^\w\s]: that would split Indic vowel signs
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


def prepare_text(text: str, normalization: Normalization = "curator") -> str:
    """One line of text for fastText.

    "curator": lower case, digits as 0, punctuation and symbols as tokens of their own (they
    say much about prose vs menus in any language), unspaced scripts split into characters (the
    shipped model and `curator quality train`); "newlines": newlines to spaces only (models
    trained elsewhere, e.g. DCLM's or FineWeb-Edu's fastText classifiers).
    """
    if normalization == "newlines":
        return text.replace("\r", " ").replace("\n", " ").strip()
    text = _DIGIT.sub("0", text.lower())
    text = _PUNCTUATION.sub(r" \1 ", _UNSPACED_SCRIPTS.sub(r" \1 ", text))
    return _SPACES.sub(" ", text).strip()
