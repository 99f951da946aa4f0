"""Stop words FineWeb2 style: the language's most frequent words (by share of documents containing
them), optionally restricted to a curated stop-word list so that topic words of a small corpus
(the UDHR's "rights", "everyone") do not become stop words."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from curator.text.labels import language_code, read_tsv, same_language

STOPWORDS_PER_LANGUAGE = 20
MIN_DOC_SHARE = 0.05  # a stop word occurs in at least this share of the language's documents
MIN_LISTED = 8  # use a curated list only when this many of its words are frequent here


def is_word(token: str) -> bool:
    """Letters, no digits: punctuation and numbers are frequent but say nothing about the language."""
    return any(c.isalpha() for c in token) and not any(c.isdigit() for c in token)


def choose_stopwords(doc_freq: Counter, n_docs: int, listed: set[str] | None = None) -> list[str]:
    """Up to STOPWORDS_PER_LANGUAGE words, most frequent first, as written (the filter is case-sensitive)."""
    ranked = sorted(doc_freq.items(), key=lambda item: (-item[1], item[0]))  # ties by word: reproducible
    frequent = [w for w, count in ranked if is_word(w) and count >= MIN_DOC_SHARE * n_docs]
    if listed:
        in_list = [w for w in frequent if w.lower() in listed]
        if len(in_list) >= MIN_LISTED:
            frequent = in_list
    return frequent[:STOPWORDS_PER_LANGUAGE]


def load_stoplists(directory: Path) -> dict[str, set[str]]:
    """ISO 639-3 code -> words, from a folder of one-word-a-line lists + names.tsv (`file`, `iso639_3`),
    the layout of jusText's stoplists in ../shared/data/stopwords."""
    lists: dict[str, set[str]] = {}
    for row in read_tsv(directory / "names.tsv"):
        words = (directory / row["file"]).read_text(encoding="utf-8").split()
        lists.setdefault(row["iso639_3"], set()).update(w.lower() for w in words)
    return lists


def stoplist_for(language: str, lists: dict[str, set[str]]) -> set[str] | None:
    """The curated words of `language`, its macrolanguage's or its members' (msa for zsm_Latn)."""
    code = language_code(language)
    words = set().union(*(ws for list_code, ws in lists.items() if same_language(list_code, code)))
    return words or None
