"""A page's language from the languages of its segments, weighted by how much language each holds.

Why: a Chinese or Japanese technical page (prose with English commands, package names and file
paths) read as one text gives the engines a bag of Han characters and Latin words, and they split
their probability between Chinese and English (cmn 0.4-0.6, eng 0.15-0.4): the page falls below
the 0.6 threshold for being technical, while the same page in English keeps ~0.95. The letters
are not the measure of language: one Han or Kana character carries about as much as one Latin
word, and a command line, a URL, a path or a number carries almost none.

So the page is cut into segments (runs of consecutive lines of one script class), each segment is
identified on its own, and each counts by its *content weight* (`content_weight`). The page's
candidates are scored by the content-weighted mean of the segments' probabilities, i.e.
(share of the content in that language) x (the segments' confidence): a Chinese page whose
English lines are commands scores like pure Chinese; a page truly split half English, half
Chinese scores about 0.5 for both, and stays below a profile's threshold. `lid_mix` records the
shares (by each segment's best label) so code-switched text can be kept on purpose.

Cost: one engine call per segment; a page in one script class is one segment (one call, as
before). Lines that hold no language (code, numbers) are not sent to the engines at all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

from curator.stages.lid.engines import UNDETERMINED, LidEngine, Prediction, normalize_text
from curator.stages.lid.heli import Arbiter, Verdict
from curator.text.labels import same_language

# scripts written without spaces between words: one Han/Kana character ~ one Latin word
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
# Southeast Asian scripts without spaces: a word is a few characters
_SEA = r"\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
SEA_CHARS_PER_WORD = 4.0
CODE_WEIGHT = 0.1  # a token that is code, a command option, a URL, a path or a number
CODE_LINE_WEIGHT = 0.1  # a whole line that reads as a command or code (all its words)

CJK_RUN = regex.compile(rf"[{_CJK}]+")
SEA_RUN = regex.compile(rf"[{_SEA}]+")
NO_SPACE_RUN = regex.compile(rf"[{_CJK}{_SEA}]+")
LETTER_RUN = regex.compile(r"[\p{L}\p{M}]+")
LATIN_LETTER_RUN = regex.compile(r"\p{Latin}+")
# inside a non-Latin segment, Latin runs (with code punctuation) are commands, names, paths: the
# engines read the segment without them, so they do not pull it towards English
LATIN_RUN = regex.compile(
    r"[\p{Latin}\d_./:\\\-=$@#%&+~*<>{}\[\]()|]*\p{Latin}[\p{Latin}\d_./:\\\-=$@#%&+~*<>{}\[\]()|]*"
)
# a line that starts like a shell prompt, a command or a statement reads as code
CODE_STARTS = ("$ ", "# ", "% ", "> ", ">>>", "... ", "//", "/*", "#include", "#!", "<")
CODE_FIRST_WORDS = frozenset(
    "sudo pip pip3 npm npx yarn git apt apt-get brew docker kubectl cd ls mkdir rm cp mv chmod export curl "
    "wget python python3 conda make cargo go java javac gcc node ssh import from def class return const let "
    "var function public private select insert create".split()
)
CODE_ENDS = (";", "{", "}", ")", "]")
SYMBOL_CHARS = "{}()[];=<>$|&/\\_*#@`^~"
SYMBOL_LINE_SHARE = 0.12  # a line with more of these among its non-space characters reads as code
WORD_PUNCT = "\"'()[]«»“”‘’¿¡.,;:!?"
SENTENCE_END = regex.compile(r"\p{Sentence_Terminal}")
SHORT_LINE_WEIGHT = 5  # a line with less content and no sentence-final mark reads as a menu item or tag
BOILERPLATE_WEIGHT = 0.25  # what such a line still counts
NON_LATIN_LETTERS = regex.compile(r"[^\P{L}\p{Latin}]+")
MIN_SEGMENT_SHARE = 0.01  # segments with less of the page's content are not worth an engine call


# a word: letters (marks included, for Brahmic vowel signs), with inner ' ’ or - and surrounding
# punctuation (WORD_PUNCT): exactly `token.strip(WORD_PUNCT)` without ' ’ - being letters and marks
# only. The leading punctuation run is what the strip removes; the run of letters, marks, ' ’ - after
# it holds the rest (punctuation holds no letter); what follows must be punctuation. Possessive runs
# and a letter looked for once: linear time on any token (a token of 16,000 quotes took 1.4 s with
# plain runs, which can split the quotes between them in every way).
_P = regex.escape(WORD_PUNCT)
_X = r"\p{L}\p{M}'’\-"
WORD = regex.compile(rf"(?=[^\p{{L}}\p{{M}}]*+[\p{{L}}\p{{M}}])[{_P}]*+[{_X}]*+[{_P}]*+")
# ASCII letters, deleted by str.translate: a fast count of the letters of an ASCII line
_ASCII_LETTERS = str.maketrans(
    dict.fromkeys(map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
)


def _is_word(token: str) -> bool:
    """Letters only (marks included), apart from inner ' or - and surrounding punctuation."""
    return WORD.fullmatch(token) is not None


def _is_code_line(line: str, tokens: list[str]) -> bool:
    if line.startswith(CODE_STARTS) or line.endswith(CODE_ENDS) or tokens[0].lower() in CODE_FIRST_WORDS:
        return True
    compact = len(line) - line.count(" ")
    symbols = sum(map(line.count, SYMBOL_CHARS))
    return symbols > SYMBOL_LINE_SHARE * compact


def measure(line: str) -> tuple[float, str]:
    """(content weight, script class) of a stripped, non-empty line.

    Weight — how much language the line holds, in Latin-word units: Han/Kana characters count 1
    each, Thai/Lao/Khmer/Myanmar/Tibetan characters 1/4 each (words are written without spaces),
    every other word 1; a token that is not a word (holds digits, slashes, dots, underscores, `=`,
    `://`...) counts CODE_WEIGHT; a line that reads as a command or code (starts with `$ `, `pip `,
    `import `...; ends with `;` or `{`; many code symbols) counts CODE_LINE_WEIGHT of that.

    Class — `cjk`, `sea`, `latn`, the Unicode name of another script (`CYRILLIC`, `ARABIC`,
    `HANGUL`, `DEVANAGARI`...) or `none` (no letters): the lines of one class are read together; a
    change of class is where a page switches language for sure.
    """
    cjk = sea = 0
    rest = line
    if not line.isascii() and NO_SPACE_RUN.search(line):
        cjk = sum(map(len, CJK_RUN.findall(line)))
        sea = sum(map(len, SEA_RUN.findall(line)))
        rest = NO_SPACE_RUN.sub(" ", line)
    tokens = rest.split()
    words = codes = 0
    word = WORD.fullmatch
    for token in tokens:
        if token.isalpha() or word(token) is not None:  # most tokens are plain words: no regex
            words += 1
        elif any(map(str.isalnum, token)):
            codes += 1
    sea_words = sea / SEA_CHARS_PER_WORD
    weight = cjk + sea_words + words + CODE_WEIGHT * codes
    if _is_code_line(line, tokens or [""]):
        weight *= CODE_LINE_WEIGHT
    # class
    if rest.isascii():
        letters = latin = len(rest) - len(rest.translate(_ASCII_LETTERS))
    else:
        letters = sum(map(len, LETTER_RUN.findall(rest)))
        latin = sum(map(len, LATIN_LETTER_RUN.findall(rest)))
    words_share = letters / 5  # ~5 letters a word: compares with the character counts
    if cjk and cjk >= max(words_share, sea_words):
        return weight, "cjk"
    if sea and sea_words >= words_share:
        return weight, "sea"
    if not letters:
        return weight, "none"
    if latin * 2 >= letters:
        return weight, "latn"
    return weight, _script_name(rest)


def _script_name(text: str) -> str:
    """The script of the text's longest non-Latin letter run (`CYRILLIC`, `ARABIC`, `DEVANAGARI`...):
    lines in one script are identified together, lines in two different scripts never are."""
    runs = NON_LATIN_LETTERS.findall(text)
    if not runs:
        return "other"
    return unicodedata.name(max(runs, key=len)[0], "OTHER").split()[0]


def content_weight(line: str) -> float:
    """How much language a line holds, in Latin-word units (see measure)."""
    return measure(line.strip())[0] if line.strip() else 0.0


@dataclass
class Line:
    text: str
    weight: float
    cls: str


def page_lines(text: str) -> list[Line]:
    """The page's non-empty lines with their content weight and script class; a short line that is
    not a sentence counts BOILERPLATE_WEIGHT of its weight.

    Such lines — menu items, tags, a "Home | News | Contact" bar, a byline: under
    SHORT_LINE_WEIGHT words and no sentence-final mark, in any language or script — are often
    English on pages in any language; counted as content they made whole script classes of
    navigation weigh like the page's prose.
    """
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            weight, cls = measure(line)
            if weight < SHORT_LINE_WEIGHT and not _ends_sentence(line):
                weight *= BOILERPLATE_WEIGHT
            lines.append(Line(line, weight, cls))
    return lines


def _ends_sentence(line: str) -> bool:
    end = line.rstrip(WORD_PUNCT.replace(".", "").replace("!", "").replace("?", "") + " ")
    return bool(end) and SENTENCE_END.match(end[-1]) is not None


def main_lines_weighted(lines: list[Line], share: float) -> list[Line]:
    """Per script class, the heaviest lines (by content weight) that together hold `share` of that
    class's content, in page order.

    Boilerplate (menus, share buttons, bylines) comes in short lines and main text in long ones, so
    this drops most boilerplate; it is done within each script class so that the classes keep
    their proportions: a page half English, half Chinese stays half and half (a Chinese paragraph
    is short in characters but heavy in content, so weights, not lengths, decide).
    """
    if share >= 1 or len(lines) < 2:
        return lines
    chosen: set[int] = set()
    for cls in {line.cls for line in lines}:
        members = [i for i, line in enumerate(lines) if line.cls == cls]
        total = sum(lines[i].weight for i in members)
        kept = 0.0
        for i in sorted(members, key=lambda i: lines[i].weight, reverse=True):
            chosen.add(i)
            kept += lines[i].weight
            if kept >= share * total:
                break
    return [line for i, line in enumerate(lines) if i in chosen]


@dataclass
class Segment:
    text: str
    weight: float
    cls: str


def segments(lines: list[Line]) -> list[Segment]:
    """The lines of each script class pooled into one segment, in page order (a line without letters
    joins the class of the line before it, or after it at the page's start).

    Pooled, a page's Arabic lines between English ones are read as one Arabic text rather than
    many short ones (short texts get low, scattered confidences), and the engines run once per
    script on the page, not once per switch."""
    pooled: dict[str, Segment] = {}
    leading: list[Line] = []
    previous = None
    for line in lines:
        cls = line.cls if line.cls != "none" else previous
        if cls is None:
            leading.append(line)
            continue
        previous = cls
        segment = pooled.get(cls)
        if segment is None:
            pooled[cls] = Segment("\n".join([*(x.text for x in leading), line.text]), line.weight, cls)
            segment = pooled[cls]
            segment.weight += sum(x.weight for x in leading)
            leading = []
        else:
            segment.text += "\n" + line.text
            segment.weight += line.weight
    if leading:  # no line with letters
        return [Segment("\n".join(x.text for x in leading), sum(x.weight for x in leading), "none")]
    return list(pooled.values())


def engine_text(segment: Segment) -> str:
    """What the engines read of a segment: normalised; a non-Latin segment without its Latin runs
    (commands, names, paths), unless that leaves almost nothing."""
    text = segment.text
    if segment.cls != "latn":
        stripped = LATIN_RUN.sub(" ", text)
        if sum(map(len, LETTER_RUN.findall(stripped))) >= 3:
            text = stripped
    return normalize_text(text)


@dataclass
class PageResult:
    prediction: Prediction  # page candidates, best first: (label, content-weighted score)
    mix: list[tuple[str, float]]  # (label, share of the content whose segment says that label)
    segments: list[tuple[str, float, Prediction]]  # (engine text, weight, engine prediction)
    verdict: Verdict | None = None  # the arbiter's, when it was consulted


def identify_page(
    engine: LidEngine,
    text: str,
    share: float = 0.5,
    k: int = 3,
    candidates: int = 5,
    arbiter: Arbiter | None = None,
) -> PageResult:
    """Page language, score and mix from its segments (see the module docstring).

    With an `arbiter` (heli.py), a page whose best label is in a confusable group gets the group
    member the arbiter finds in the segments that said that label; the score stays the one the
    segments gave it (the arbiter decides between neighbours, it does not make the page more or
    less one language)."""
    lines = main_lines_weighted(page_lines(text), share)
    segs = segments(lines)
    total = sum(s.weight for s in segs)
    if total <= 0:  # no words at all (numbers, symbols): read it whole, as one segment
        whole = normalize_text("\n".join(line.text for line in lines))
        prediction = engine.predict(whole, k) if whole else [(UNDETERMINED, 0.0)]
        top = prediction[0]
        return PageResult(
            prediction, [(top[0], 1.0)] if top[0] != UNDETERMINED else [], [(whole, 1.0, prediction)]
        )
    read = []
    for seg in segs:
        if seg.weight < MIN_SEGMENT_SHARE * total:
            continue
        seg_text = engine_text(seg)
        if seg_text:
            read.append((seg_text, seg.weight, engine.predict(seg_text, candidates)))
    weight = sum(w for _, w, _ in read)
    if not read or weight <= 0:
        return PageResult([(UNDETERMINED, 0.0)], [], [])
    scores: dict[str, float] = {}
    mix: dict[str, float] = {}
    for _, w, prediction in read:
        top = prediction[0][0]
        for label, score in prediction:
            # the segment's engine already chose between a macrolanguage and its member (ara/arb):
            # the other form of its answer does not compete with it on the page
            if label != UNDETERMINED and (label == top or not same_language(label, top)):
                scores[label] = scores.get(label, 0.0) + w * score
        if prediction[0][0] != UNDETERMINED:
            mix[prediction[0][0]] = mix.get(prediction[0][0], 0.0) + w
    ranked = sorted(((label, s / weight) for label, s in scores.items()), key=lambda item: -item[1])
    shares = sorted(((label, w / weight) for label, w in mix.items()), key=lambda item: -item[1])
    result = PageResult(ranked[:k] or [(UNDETERMINED, 0.0)], shares[:k], read)
    if arbiter is not None and ranked and arbiter.consulted(ranked[0][0]):
        _arbitrate(result, arbiter, ranked, k)
    return result


def _arbitrate(result: PageResult, arbiter: Arbiter, ranked: Prediction, k: int) -> None:
    top, score = ranked[0]
    text = " ".join(t for t, _, prediction in result.segments if same_language(prediction[0][0], top))
    verdict = arbiter.decide(top, text)
    result.verdict = verdict
    if verdict is None or verdict.label == top:
        return
    others = [item for item in ranked if item[0] not in (top, verdict.label)]
    result.prediction = [
        (verdict.label, score),
        (top, next((s for label, s in ranked if label == verdict.label), 0.0)),
        *others,
    ][:k]
    result.mix = [(verdict.label if label == top else label, s) for label, s in result.mix]
