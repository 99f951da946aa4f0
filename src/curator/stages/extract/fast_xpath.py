"""Trafilatura's pruning XPaths, answered in Python instead of libxml2's XPath interpreter —
same elements, same order, same extracted text.

trafilatura removes boilerplate by evaluating long XPath expressions such as
`.//*[(self::div or self::p …)][contains(@class, "footer") or starts-with(@id, "shar") or …]`
(~90 string tests each) on every element, several times per page. libxml2 interprets every test
on every element: on real pages that was 43% of trafilatura's CPU time (cProfile,
docs/extraction.md). Here each expression of that small grammar is parsed once into per-attribute
tests — all `contains`/`starts-with`/`=` needles of an attribute in one regex, translate() folded
into character classes — libxml2 only collects the tested attributes' values, and Python tests
them. An expression outside the grammar keeps its XPath. curator.core.compat.trafilatura_speedups
swaps the parsed expressions into trafilatura's own lists in place; tests check the same nodes
and the same text on real pages (tests/stages/extract/test_fast_xpath.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

_QUOTED = r"""(?:"([^"]*)"|'([^']*)')"""
_ATTR = r"@([\w-]+)"
_TERMS = {
    "contains": re.compile(rf"contains\(\s*{_ATTR}\s*,\s*{_QUOTED}\s*\)$"),
    "contains_tr": re.compile(
        rf"contains\(\s*translate\(\s*{_ATTR}\s*,\s*{_QUOTED}\s*,\s*{_QUOTED}\s*\)\s*,\s*{_QUOTED}\s*\)$"
    ),
    "starts": re.compile(rf"starts-with\(\s*{_ATTR}\s*,\s*{_QUOTED}\s*\)$"),
    "starts_tr": re.compile(
        rf"starts-with\(\s*translate\(\s*{_ATTR}\s*,\s*{_QUOTED}\s*,\s*{_QUOTED}\s*\)\s*,\s*{_QUOTED}\s*\)$"
    ),
    "equals": re.compile(rf"{_ATTR}\s*=\s*{_QUOTED}$"),
    "exists": re.compile(rf"{_ATTR}$"),
}
_EXPRESSION = re.compile(r"^\.//\*(?:\[\(\s*(self::\w+(?:\s+or\s+self::\w+)*)\s*\)\])?\[(.*)\]$", re.S)


def _quoted(groups: tuple) -> str:
    return groups[0] if groups[0] is not None else groups[1]


def _translation(source: str, target: str) -> dict[int, int | None]:
    """XPath translate(): characters of `source` become the one at the same place in `target`,
    or are deleted when `target` is shorter; a repeated source character keeps its first mapping."""
    table: dict[int, int | None] = {}
    for i, char in enumerate(source):
        table.setdefault(ord(char), ord(target[i]) if i < len(target) else None)
    return table


@dataclass
class _AttributeTests:
    """The tests of one attribute (after one translate(), if any) in an `or` list."""

    attribute: str
    translation: dict[int, int | None] | None
    contains: list[str] = field(default_factory=list)
    starts: list[str] = field(default_factory=list)
    equals: set[str] = field(default_factory=set)
    exists: bool = False

    def alternatives(self) -> list[str] | None:
        """Regex alternatives over the *untranslated* value: `contains` anywhere, `starts-with` at
        the start, `=` whole; a translated character becomes the class of the characters that
        translate to it. None if the translation deletes characters (then translate() first)."""
        if self.translation is not None and None in self.translation.values():
            return None
        table = {chr(s): chr(t) for s, t in (self.translation or {}).items()}
        moved = {s for s, t in table.items() if s != t}
        sources: dict[str, set[str]] = {}  # needle character -> original characters giving it
        for source, target in table.items():
            sources.setdefault(target, set() if target in moved else {target}).add(source)

        def regex(needle: str) -> str | None:
            parts = []
            for char in needle:
                if char in sources:
                    parts.append("[" + "".join(re.escape(c) for c in sorted(sources[char])) + "]")
                elif char in moved:
                    return None  # the translation leaves no such character: never matches
                else:
                    parts.append(re.escape(char))
            return "".join(parts)

        found = [regex(n) for n in self.contains]
        found += [None if r is None else rf"\A{r}" for r in map(regex, self.starts)]
        found += [rf"\A{re.escape(n)}\Z" for n in sorted(self.equals)]
        return [r for r in found if r is not None]

    def pattern(self) -> re.Pattern:
        """One regex for all of them, over the translated value."""
        alternatives = [re.escape(n) for n in self.contains]
        alternatives += [rf"\A{re.escape(n)}" for n in self.starts]
        alternatives += [rf"\A{re.escape(n)}\Z" for n in sorted(self.equals)]
        return re.compile("|".join(alternatives) or r"(?!)")

    def matches_missing(self) -> bool:
        """An absent attribute is the empty string to contains()/starts-with()."""
        return "" in self.contains or "" in self.starts


class FastXPath:
    """A drop-in for an `lxml.etree.XPath` of the form `.//*[(self::t …)][test or test …]`:
    calling it on an element (or ElementTree) returns the matching descendants in document order.

    libxml2 still walks the tree, but only to collect the values of the tested attributes (a
    cheap predicate); Python tests each value with one regex and takes the element of a match."""

    def __init__(self, original: etree.XPath, tags: tuple[str, ...], tests: list[_AttributeTests]):
        self.original = original
        self.path = original.path
        by_attribute: dict[str, list] = {}
        for t in tests:
            by_attribute.setdefault(t.attribute, []).append(t)
        # per attribute: (matches whenever present, [(translation, regex)]); the tests of an
        # attribute under different translate() calls merge into one regex when they can
        self._checks_by_name: dict[str, tuple[bool, list]] = {}
        for name, group in by_attribute.items():
            merged = [t.alternatives() for t in group]
            if all(a is not None for a in merged):
                variants = [(None, re.compile("|".join(r for a in merged for r in a) or r"(?!)"))]
            else:
                variants = [(t.translation, t.pattern()) for t in group]
            self._checks_by_name[name] = (any(t.exists for t in group), variants)
        self._missing_matches = any(t.matches_missing() for t in tests)
        tag_test = f"[{' or '.join(f'self::{t}' for t in tags)}]" if tags else ""
        if self._missing_matches:  # contains(@x, ""): every element of those tags matches
            self._candidates = etree.XPath(f".//*{tag_test}")
        else:
            # the tested attributes' values, in document order, as strings that know their element
            names = " or ".join(f'name()="{a}"' for a in by_attribute)
            self._values = etree.XPath(f".//*{tag_test}/@*[{names}]", smart_strings=True)

    def __call__(self, tree):
        if self._missing_matches:
            return self._candidates(tree)
        found = []
        checks = self._checks_by_name
        for value in self._values(tree):
            present_matches, variants = checks[value.attrname]
            if not present_matches:
                for translation, pattern in variants:
                    if pattern.search(value if translation is None else value.translate(translation)):
                        break
                else:
                    continue
            element = value.getparent()
            if not found or found[-1] is not element:  # two attributes of one element matched
                found.append(element)
        return found

    def __repr__(self) -> str:
        return f"FastXPath({self.path[:60]!r}…)"


def _split_or(text: str) -> list[str] | None:
    """Split a predicate on its top-level `or` (outside quotes and parentheses)."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0 and text.startswith(" or ", i):
            parts.append(text[start:i])
            start = i = i + 4
            continue
        elif char in "[]|":
            return None  # nested predicates or unions: not this grammar
        i += 1
    if quote or depth:
        return None
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _match_term(term: str) -> tuple[str, tuple] | None:
    """(kind, regex groups) of one test of an `or` list, or None outside the grammar."""
    for kind, pattern in _TERMS.items():
        m = pattern.match(term)
        if m:
            return kind, m.groups()
    return None


def parse(original: etree.XPath) -> FastXPath | None:
    """The FastXPath equal to `original`, or None if the expression is outside the grammar."""
    path = " ".join(original.path.split())
    match = _EXPRESSION.match(path)
    if not match:
        return None
    tags = tuple(t.split("::")[1] for t in match.group(1).split(" or ")) if match.group(1) else ()
    terms = _split_or(match.group(2))
    if not terms:
        return None
    by_key: dict[tuple, _AttributeTests] = {}

    def tests_for(attribute: str, source: str = "", target: str = "") -> _AttributeTests:
        key = (attribute, source, target)
        if key not in by_key:
            by_key[key] = _AttributeTests(attribute, _translation(source, target) if source else None)
        return by_key[key]

    for term in terms:
        matched = _match_term(term)
        if matched is None:
            return None
        kind, g = matched
        if kind == "contains":
            tests_for(g[0]).contains.append(_quoted(g[1:3]))
        elif kind == "starts":
            tests_for(g[0]).starts.append(_quoted(g[1:3]))
        elif kind in ("contains_tr", "starts_tr"):
            tests = tests_for(g[0], _quoted(g[1:3]), _quoted(g[3:5]))
            (tests.contains if kind == "contains_tr" else tests.starts).append(_quoted(g[5:7]))
        elif kind == "equals":
            tests_for(g[0]).equals.add(_quoted(g[1:3]))
        else:
            tests_for(g[0]).exists = True
    return FastXPath(original, tags, list(by_key.values()))


_parsed_expressions: dict[etree.XPath, FastXPath | None] = {}


def parsed_once(expression: etree.XPath) -> FastXPath | None:
    """parse(), once per expression: the swap-in (curator.core.compat.install_fast_pruning) may run
    again after it was undone."""
    if expression not in _parsed_expressions:
        _parsed_expressions[expression] = parse(expression)
    return _parsed_expressions[expression]
