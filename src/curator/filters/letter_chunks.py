"""Whether a spaCy tokenizer keeps every chunk made only of letters whole: a proof from its regexes.

spaCy cuts a whitespace-separated chunk only where its prefix, suffix or infix regex matches (or
where the chunk is a special case, e.g. English "cannot"). If none of the three regexes can match
anywhere in a string of letters (`str.isalpha()`), such a chunk that is not a special case is one
token, itself: no need to ask spaCy. Most chunks of prose are plain words, and spaCy spends
~20 µs on each new one.

The proof reads the parsed regexes and is conservative: an alternative is impossible only when one
of the things it must match (a character, a group repeated at least once, a positive lookaround)
can never be a letter; anything it does not understand (negated classes, categories other than
digits and spaces, flags, back-references) counts as possible, which just switches the shortcut off.
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as sre  # the parser behind re.compile: its tree is what the proof reads
from re import _parser as sre_parse

NEVER_LETTERS = {  # categories whose characters are never str.isalpha()
    sre.CATEGORY_DIGIT, sre.CATEGORY_SPACE, sre.CATEGORY_LINEBREAK,
    sre.CATEGORY_UNI_DIGIT, sre.CATEGORY_UNI_SPACE, sre.CATEGORY_UNI_LINEBREAK,
}
REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}


@cache
def _range_has_letter(low: int, high: int) -> bool:
    return any(chr(code).isalpha() for code in range(low, high + 1))


def _set_has_letter(items: list) -> bool:
    for op, av in items:
        if op is sre.LITERAL:
            if chr(av).isalpha():
                return True
        elif op is sre.RANGE:
            if _range_has_letter(*av):
                return True
        elif not (op is sre.CATEGORY and av in NEVER_LETTERS):
            return True  # NEGATE, other categories...: assume a letter
    return False


def _impossible(sequence) -> bool:
    """True when the parsed regex `sequence` can match nowhere in a string of letters."""
    for op, av in sequence:
        if op is sre.LITERAL:
            if not chr(av).isalpha():
                return True
        elif op is sre.IN:
            if not _set_has_letter(av):
                return True
        elif op is sre.BRANCH:
            if all(_impossible(alternative) for alternative in av[1]):
                return True
        elif op is sre.SUBPATTERN:
            _group, add_flags, del_flags, pattern = av
            if not add_flags and not del_flags and _impossible(pattern):
                return True
        elif op in REPEATS:
            low, _high, pattern = av
            if low >= 1 and _impossible(pattern):
                return True
        elif op is sre.ASSERT or op is sre.ATOMIC_GROUP:
            pattern = av[1] if op is sre.ASSERT else av
            if _impossible(pattern):  # a lookaround only sees letters too (or nothing, at the edges)
                return True
        # AT anchors, ASSERT_NOT, NOT_LITERAL, ANY, GROUPREF...: may match, go on
    return False


def regex_never_matches_letters(pattern: re.Pattern | None) -> bool:
    """True when `pattern` has no match (not even an empty one) in any string of letters."""
    if pattern is None:
        return True
    if not isinstance(pattern, re.Pattern) or pattern.flags & ~(re.UNICODE | re.DEBUG):
        return False
    try:
        return _impossible(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unexpected parse tree: no proof
        return False


def keeps_letter_chunks_whole(tokenizer) -> bool:
    """True when `tokenizer` (spaCy's rule-based Tokenizer) returns a letters-only chunk that is not a
    special case as one token: its prefix, suffix and infix regexes never match such a chunk."""
    searches = (tokenizer.prefix_search, tokenizer.suffix_search, tokenizer.infix_finditer)
    return all(regex_never_matches_letters(getattr(search, "__self__", search)) for search in searches)


class PlainChunks:
    """The tokens spaCy gives a chunk, when they are provably the plain ones: a chunk of letters is
    itself; letters then one mark ("word,", "Ende.") are the letters and the mark when the suffix
    regex cuts exactly that mark off (one regex call instead of spaCy's whole loop). None otherwise,
    and always None for a tokenizer without the letters proof.

    Why the second case is exact: spaCy's affix loop on "word," finds no prefix (checked) and a
    one-character suffix (checked), keeps "word" (no special case, checked), whose own prefix, suffix
    and infix searches find nothing (the letters proof): tokens "word" and ",". A chunk or a stripped
    word that is a special case ("etc.", "Mr.") or that `token_match` keeps whole goes to spaCy.
    """

    def __init__(self, tokenizer):
        self.proven = keeps_letter_chunks_whole(tokenizer)
        self.special_cases = tokenizer.rules or {}
        self.token_match = tokenizer.token_match
        self.prefix_search = tokenizer.prefix_search
        self.suffix_search = tokenizer.suffix_search

    def tokens(self, chunk: str) -> tuple[str, ...] | None:
        if not self.proven or chunk in self.special_cases:
            return None
        if chunk.isalpha():
            return (chunk,)
        word = chunk[:-1]
        if word.isalpha() and word not in self.special_cases and self._cuts_one_mark(chunk):
            return word, chunk[-1]
        return None

    def _cuts_one_mark(self, chunk: str) -> bool:
        """spaCy's first affix step on `chunk`: no prefix, a suffix of one character."""
        if self.token_match and self.token_match(chunk):
            return False
        prefix = self.prefix_search(chunk) if self.prefix_search else None
        if prefix is not None and prefix.end() > prefix.start():
            return False
        suffix = self.suffix_search(chunk) if self.suffix_search else None
        return suffix is not None and suffix.end() - suffix.start() == 1
