"""What spaCy's rule-based tokenizer does to whitespace-separated chunks, read from its rules.

spaCy splits a text at whitespace into chunks and tokenizes each chunk on its own (prefixes,
suffixes, infixes, special cases such as English "cannot"), then runs one matcher over the whole
text for the special cases its affix loop could miss. So a document's words are the words of its
chunks, each tokenized alone, unless that matcher joins tokens of two chunks: `ChunkBoundaries`
finds the documents where it could (they go to datatrove's own path).

`keeps_letter_chunks_whole`: if none of the prefix, suffix and infix regexes can match anywhere in
a string of letters (`str.isalpha()`), a chunk of letters that is not a special case is one token,
itself: no need to ask spaCy, not even its regexes (`PlainChunks`, which holds the whole rule for
"no spaCy call needed"). Most chunks of prose are plain words, and spaCy
spends ~20 µs on each new one. The proof reads the parsed regexes and is conservative: an
alternative is impossible only when one of the things it must match (a character, a group repeated
at least once, a positive lookaround) can never be a letter; anything it does not understand
(negated classes, categories other than digits and spaces, flags, back-references) counts as
possible, which just switches the shortcut off.
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as sre  # the parser behind re.compile: its tree is what the proof reads
from re import _parser as sre_parse

NEVER_LETTERS = {  # categories whose characters are never str.isalpha()
    sre.CATEGORY_DIGIT,
    sre.CATEGORY_SPACE,
    sre.CATEGORY_LINEBREAK,
    sre.CATEGORY_UNI_DIGIT,
    sre.CATEGORY_UNI_SPACE,
    sre.CATEGORY_UNI_LINEBREAK,
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
    """The tokens spaCy gives a chunk when they follow from its rules without running it, else None.
    The one rule for "no spaCy call needed", for the filters' chunks and dedup's normalised pieces:

    - a special case ("Mr.", "cannot") always goes to spaCy;
    - a chunk of letters is itself, for a tokenizer with the letters proof (no regex call);
    - letters then one mark ("word,", "Ende.") are the letters and the mark, for a tokenizer with
      the letters proof, when the suffix regex cuts exactly that mark off;
    - any other chunk that no prefix, suffix or infix regex matches is itself ("2024", "x1").

    Why it is exact: spaCy's affix loop on a chunk that is no special case stops at once when no
    prefix or suffix matches, and keeps it whole when no infix matches either (`token_match` and
    `url_match` only ever keep a string whole). On "word," it finds no prefix (checked) and a
    one-character suffix (checked), keeps "word" (no special case, checked), whose own prefix,
    suffix and infix searches find nothing (the letters proof): tokens "word" and ",". The
    special-case matcher cannot change a single token or these two: a pattern over them would be
    the chunk or the word, no special cases. (Chunks one space apart: `ChunkBoundaries`.)
    """

    def __init__(self, tokenizer):
        self.proven = keeps_letter_chunks_whole(tokenizer)
        self.special_cases = tokenizer.rules or {}
        self.token_match = tokenizer.token_match
        self.prefix_search = tokenizer.prefix_search
        self.suffix_search = tokenizer.suffix_search
        self.infix_finditer = tokenizer.infix_finditer

    def tokens(self, chunk: str) -> tuple[str, ...] | None:
        if chunk in self.special_cases:
            return None
        if self.proven:
            if chunk.isalpha():
                return (chunk,)
            word = chunk[:-1]
            if word.isalpha() and word not in self.special_cases and self._cuts_one_mark(chunk):
                return word, chunk[-1]
        return (chunk,) if self._untouched(chunk) else None

    def _cuts_one_mark(self, chunk: str) -> bool:
        """spaCy's first affix step on `chunk`: no prefix, a suffix of one character."""
        if self.token_match and self.token_match(chunk):
            return False
        prefix = self.prefix_search(chunk) if self.prefix_search else None
        if prefix is not None and prefix.end() > prefix.start():
            return False
        suffix = self.suffix_search(chunk) if self.suffix_search else None
        return suffix is not None and suffix.end() - suffix.start() == 1

    def _untouched(self, chunk: str) -> bool:
        """No prefix, suffix or infix regex matches `chunk` (an empty match counts: spaCy decides)."""
        return (
            (self.prefix_search is None or self.prefix_search(chunk) is None)
            and (self.suffix_search is None or self.suffix_search(chunk) is None)
            and (self.infix_finditer is None or next(self.infix_finditer(chunk), None) is None)
        )


class _Switched:
    """A regex function that finds nothing until `on` (see `ChunkBoundaries`)."""

    on = False

    def __init__(self, function, nothing):
        self.function, self.nothing = function, nothing

    def __call__(self, string):
        return self.function(string) if self.on else self.nothing


class ChunkBoundaries:
    """Finds texts where spaCy's special-case matcher could join tokens of two chunks and change them.

    After the affix rules, spaCy looks for each special case's tokens as those rules alone would cut
    it (":-)" -> ":", "-", ")") and replaces a match by the special case's own tokens. It looks
    across chunks too when only one space separates them (any other whitespace is a token of its
    own). A match across chunks changes nothing by itself (no special case contains that space), but
    it can hide an overlapping match inside a chunk: in "x' ''Tas", "''Tas" is "'", "'", "Tas", not
    "''", "Tas". So a chunk matters only if such a replacing match is possible inside it
    (`sensitive_tokens`, once per new chunk), and a text only if one of those chunks is one space
    from a neighbour whose tokens could continue a pattern across the space (`crossed`).

    A chunk's tokens before the matcher are its words, unless a replacing match was applied inside
    it, which leaves a replacement in its words; only those chunks are tokenized again, by a copy of
    the tokenizer without the matcher: spaCy gives the matcher a pattern only for a special case its
    affix regexes cut, so loading the special cases while the copy's regexes are switched off leaves
    the copy's matcher empty.
    """

    def __init__(self, nlp):
        import ahocorasick
        from spacy.attrs import ORTH
        from spacy.tokenizer import Tokenizer

        self._memory_zone = nlp.memory_zone
        tokenizer = nlp.tokenizer
        regexes = {
            "prefix_search": tokenizer.prefix_search,
            "suffix_search": tokenizer.suffix_search,
            "infix_finditer": tokenizer.infix_finditer,
            "token_match": tokenizer.token_match,
            "url_match": tokenizer.url_match,
        }
        rules = tokenizer.rules or {}
        affixes_only = Tokenizer(tokenizer.vocab, rules={}, **regexes)
        # (last token before the space, first token after it) -> the pattern's two sides
        self._splits: dict[tuple[str, str], list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        self._replacing: dict[str, list[tuple[str, ...]]] = {}  # first token -> patterns that change tokens
        self._replacements: dict[str, list[tuple[str, ...]]] = {}  # first token -> what they become
        self._replacing_keys = ahocorasick.Automaton()
        with nlp.memory_zone():
            patterns = {key: tuple(t.text for t in affixes_only(key)) for key in rules}
        for key, substrings in rules.items():
            pattern = patterns[key]
            if len(pattern) < 2 or any(c.isspace() for c in key):
                continue  # special cases with whitespace are caught by chunks.py before
            for cut in range(1, len(pattern)):
                self._splits.setdefault((pattern[cut - 1], pattern[cut]), []).append(
                    (pattern[:cut], pattern[cut:])
                )
            replacement = tuple(substring.get(ORTH, substring.get("ORTH")) for substring in substrings)
            if pattern != replacement:
                self._replacing.setdefault(pattern[0], []).append(pattern)
                self._replacements.setdefault(replacement[0], []).append(replacement)
                self._replacing_keys.add_word(key, key)
        if self._replacing:
            self._replacing_keys.make_automaton()
        switched = {
            **regexes,
            "prefix_search": _Switched(tokenizer.prefix_search, None),
            "suffix_search": _Switched(tokenizer.suffix_search, None),
            "infix_finditer": _Switched(tokenizer.infix_finditer, ()),
        }
        self._without_matcher = Tokenizer(tokenizer.vocab, rules=rules, **switched)
        for function in switched.values():
            if isinstance(function, _Switched):
                function.on = True

    def sensitive_tokens(self, chunk: str, words: tuple[str, ...]) -> tuple[str, ...] | None:
        """The tokens of `chunk` before the matcher if a replacing match is possible inside it, else
        None. `words`: its tokens; they are the tokens before the matcher unless they contain what a
        special case is replaced with (only then is the chunk tokenized again, without the matcher)."""
        if not self._replacing or next(self._replacing_keys.iter(chunk), None) is None:
            return None  # no special case in the text: nothing to replace
        tokens = words
        if _contains(words, self._replacements):
            with self._memory_zone():
                tokens = tuple(t.text for t in self._without_matcher(chunk))
        return tokens if _contains(tokens, self._replacing) else None

    def crossed(self, text: str, present: set[str], sensitive: dict[str, tuple[str, ...]], words_of) -> bool:
        """True if a pattern could match across a single space next to a sensitive chunk of `text`.
        `present`: the sensitive chunks in `text`; `sensitive`: chunk -> `sensitive_tokens(chunk)`;
        `words_of(chunk)`: the other chunks' tokens."""
        for chunk in present:
            start = text.find(chunk)
            while start != -1:
                end = start + len(chunk)
                if (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace()):
                    if start > 1 and text[start - 1] == " " and not text[start - 2].isspace():
                        left = text[_chunk_start(text, start - 1) : start - 1]
                        if self._continues(sensitive.get(left) or words_of(left), sensitive[chunk]):
                            return True
                    if end + 1 < len(text) and text[end] == " " and not text[end + 1].isspace():
                        right = text[end + 1 : _chunk_end(text, end + 1)]
                        if self._continues(sensitive[chunk], sensitive.get(right) or words_of(right)):
                            return True
                start = text.find(chunk, start + 1)
        return False

    def _continues(self, left: tuple[str, ...], right: tuple[str, ...]) -> bool:
        """Whether a pattern could end `left` and go on at the start of `right` (one space apart)."""
        for head, tail in self._splits.get((left[-1], right[0]), ()):
            # a pattern longer than the chunk reaches a further chunk: assume it matches there
            if (len(head) > len(left) or left[-len(head) :] == head) and (
                len(tail) > len(right) or right[: len(tail)] == tail
            ):
                return True
        return False


def _contains(tokens: tuple[str, ...], sequences: dict[str, list[tuple[str, ...]]]) -> bool:
    """Whether `tokens` contain one of `sequences` (indexed by their first token) consecutively."""
    for i, token in enumerate(tokens):
        for sequence in sequences.get(token, ()):
            if tokens[i : i + len(sequence)] == sequence:
                return True
    return False


def _chunk_start(text: str, end: int) -> int:
    """Where the chunk of `text` that ends at `end` starts."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return start


def _chunk_end(text: str, start: int) -> int:
    """Where the chunk of `text` that starts at `start` ends."""
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return end
