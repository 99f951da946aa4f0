"""Script-specific markup the engines get wrong, fixed around them: ruby before, invisible marks after.

Ruby (`<ruby>子<rt>こ</rt></ruby>`: furigana over Japanese kanji, pinyin/zhuyin over Chinese) is
read as its base text by a person; resiliparse's main-content pass instead drops one-character
bases and splices every reading into the sentence (子どもへの → どもへの, 法律 → 法律ほうりつ), so
`resiliparse`, `fast` and `hybrid` wrote corrupted Japanese. `render_ruby` rewrites each ruby
element as its base text before any engine parses the page: `<rt>`, `<rtc>` and `<rp>` text is
dropped (or, with `readings=True`, each reading follows its base in parentheses: 子(こ)), `<rb>`
and `<ruby>` tags are unwrapped, nested ruby keeps its innermost base. One regex scan from each
`<ruby`, and only on pages that contain one (a substring test on the others).

Malformed ruby is bounded: an annotation whose end tag is missing ends where HTML's rules end it
(the next `<rb>`/`<rt>`/`<rtc>`/`<rp>`, `</ruby>`) or, at the latest, at the next block tag
(`<p>`, `</div>`, `<li>`...), so an unclosed `<rt>` costs the rest of its block at most; with no
such tag after it the remainder of the page is left as it was (a reading kept rather than text lost).

`pad_lone_letters`: resiliparse's main content also drops every node whose whole text is one
letter of a script written in three UTF-8 bytes (particles between two links, one-kanji words in a
span): such nodes get an invisible PAD character beside their letter before resiliparse, removed
after it (one regex scan of the page, ~4% of resiliparse's time).

`drop_invisible` removes the soft hyphen and the bidirectional controls from text that resiliparse
kept (trafilatura removes them itself): invisible on the page, they split words for tokenizers,
word filters and dedup (Donau\\xaddampf). Zero-width (non-)joiners are kept: Persian and Indic
spelling needs them.
"""

from __future__ import annotations

import re

# ruby-family tags, and the block tags that end any ruby left open (ruby is phrasing content)
_BLOCK_TAGS = (
    "p|div|li|ul|ol|dl|dt|dd|table|tr|td|th|h[1-6]|section|article|main|header|footer|nav|aside"
    "|blockquote|pre|body|html|form"
)
# (?![\w-]): not a custom element such as <ruby-text>
_TOKEN = re.compile(rf"<(/?)(ruby|rb|rtc|rt|rp|{_BLOCK_TAGS})(?![\w-])[^>]*>|<!--.*?-->", re.I | re.S)
_RUBY_START = re.compile(r"<ruby(?![\w-])", re.I)
_TAG = re.compile(r"<[^>]*>")
_RUBY_TAGS = frozenset(("ruby", "rb", "rtc", "rt", "rp"))
_READING_TAGS = frozenset(("rt", "rtc"))
# soft hyphen; Arabic letter mark; LRM, RLM; LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI
# letters of scripts whose characters take 3 bytes in UTF-8: Indic, Thai, Lao, Myanmar, Georgian,
# Hangul, Ethiopic, kana, Han (resiliparse drops a node holding one of them alone)
_WIDE_LETTERS = (
    "\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u10a0-\u10ff\u1100-\u11ff\u1200-\u137f"
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
)
_LONE_LETTER = re.compile(rf">(\s*[{_WIDE_LETTERS}])(?=\s*<)")
PAD = "\x04"  # a control character: kept by resiliparse, absent from real text, removed after it
_INVISIBLE = re.compile("[\x04\u00ad\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def has_ruby(html: str) -> bool:
    """Cheap gate, lower-case `<ruby` only: each substring test costs ~4% of a resiliparse
    extraction on the bench pages, so upper-case `<RUBY` (pre-HTML5 pages) is not looked for."""
    return "<ruby" in html


def render_ruby(html: str, readings: bool = False) -> str:
    """The page with every ruby element replaced by its base text (`readings`: base(reading))."""
    if not has_ruby(html):
        return html
    out: list[str] = []
    pos = 0
    while True:
        match = _RUBY_START.search(html, pos)
        if match is None:
            out.append(html[pos:])
            return "".join(out)
        out.append(html[pos : match.start()])
        pos = _render_one(html, match.start(), readings, out)


class _Annotation:
    """The reading being skipped (or collected) inside one ruby element."""

    __slots__ = ("kind", "in_rtc", "text", "readings", "out")

    def __init__(self, readings: bool, out: list[str]) -> None:
        self.kind: str | None = None  # "rt", "rtc", "rp" while inside one, else None (base text)
        self.in_rtc = False
        self.text: list[str] = []
        self.readings, self.out = readings, out

    def end(self) -> None:
        if self.readings and self.kind in _READING_TAGS:
            reading = "".join(self.text).strip()
            if reading:
                self.out.append(f"({reading})")
        self.text.clear()
        self.kind = "rtc" if self.in_rtc and self.kind != "rtc" else None

    def segment(self, text: str) -> None:
        """HTML between two tokens: kept as is in base text; inside an annotation only its tags
        stay (so elements opened and closed across it still balance)."""
        if not text:
            return
        if self.kind is None:
            self.out.append(text)
            return
        if "<" in text:
            self.out.extend(_TAG.findall(text))
            if self.readings and self.kind in _READING_TAGS:
                self.text.append(_TAG.sub("", text))
        elif self.readings and self.kind in _READING_TAGS:
            self.text.append(text)


def _render_one(html: str, start: int, readings: bool, out: list[str]) -> int:
    """Render the ruby element starting at `start` into `out`; return where to continue."""
    note = _Annotation(readings, out)
    depth = 0
    pos = start
    for token in _TOKEN.finditer(html, start):
        note.segment(html[pos : token.start()])
        pos = token.end()
        closing, name = token.group(1), token.group(2)
        if name is None:  # a comment
            out.append(token.group(0))
            continue
        name = name.lower()
        if name not in _RUBY_TAGS:  # a block boundary: whatever ruby is open ends here
            note.in_rtc = False
            note.end()
            out.append(token.group(0))
            return pos
        if name == "ruby":
            if closing:
                note.in_rtc = False
                note.end()
                depth -= 1
                if depth <= 0:
                    return pos
            elif note.kind is None:
                depth += 1
            continue
        if closing:
            if name == "rtc":
                note.in_rtc = False
            if name == "rb" or note.kind is not None:
                note.end()
            continue
        # an opening rb/rt/rtc/rp ends the annotation before it (HTML's implied end tags)
        if name == "rtc":
            note.in_rtc = False
        if note.kind is not None:
            note.end()
        if name == "rb":
            note.in_rtc = False
            note.kind = None
        else:
            note.kind = name
            if name == "rtc":
                note.in_rtc = True
    # no block tag after an unclosed ruby: leave the rest of the page as it is
    if note.kind is not None:
        out.append(html[pos:])
    else:
        note.segment(html[pos:])
    return len(html)


def pad_lone_letters(html: str) -> str:
    """Each text node that is one CJK/Indic/Thai... letter alone (`<a>体罰</a>を<a>禁止</a>`,
    `<span>親</span>`) followed by PAD: resiliparse's main-content pass drops any node whose text is
    a single three-byte character, as if it were an icon glyph (★, 。, 親, を, अ all go), which
    cuts particles and one-character words out of Japanese and Chinese text. Symbols are not
    padded (icons still go); drop_invisible removes PAD from the engine's text."""
    padded, n = _LONE_LETTER.subn(r">\1" + PAD, html)
    return padded if n else html


def drop_invisible(text: str) -> str:
    """`text` without soft hyphens and bidirectional controls (see the module docstring)."""
    if text.isascii() or _INVISIBLE.search(text) is None:
        return text
    return _INVISIBLE.sub("", text)
