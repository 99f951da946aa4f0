"""A HeLI scorer for a folder of HeLI language models, and the close-neighbour arbiter built on it.

Why: the ensemble's voters do not know, or cannot tell apart, close neighbours such as Asturian
and Spanish, Bhojpuri/Maithili and Hindi, Cantonese and Mandarin, Bosnian/Croatian/Serbian. HPLT's
OpenLID-trained HeLI models do (195 labels), but they are GPL-3.0 and the heliport wheel cannot
load them, so curator never ships them: this module reads such a folder from a path given at run
time and scores text with the published HeLI method (Jauhiainen, Lindén, Jauhiainen 2016,
"HeLI, a Word-Based Backoff Method for Language Identification"; HeLI-OTS 2022):

- the text is lowercased, every character that is not a letter, a mark or an apostrophe becomes a
  space, and a run of CJK ideographs is set apart from its neighbours;
- each word is scored, per language, by -log10 of its relative frequency in that language's word
  model; if no language has the word, by the mean over its character n-grams (the word with a
  space on each side) of the longest order n (6 down to 1) at which any language has one of
  them; a language without the word or n-gram gets the penalty 7;
- the text's score per language is the mean over its words; the lowest wins, and the gap to the
  second is the confidence.

Model folder: `languagelist` (one label per line) and `LanguageModels/<label>.LowWordModel`,
`.LowGramModel1` ... `6`: first line the total count, then `entry<TAB>count` lines, most frequent
first. As in HeLI-OTS, entries whose count is at most 5e-7 of the total are not used.

The arbiter loads only the languages of the confusable groups it is asked about (a few MB each),
so its cost stays small; it is consulted only when the page's best label is in such a group
(data/confusable_groups.tsv).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import regex

from curator.text.labels import language_code, read_tsv

PENALTY = 7.0
MAX_ORDER = 6
MIN_RELATIVE_COUNT = 5e-7  # HeLI-OTS: rarer entries are left out of the model
MODEL_FILES = {0: "LowWordModel", **{n: f"LowGramModel{n}" for n in range(1, MAX_ORDER + 1)}}
NOT_LETTER = regex.compile(r"[^\p{L}\p{M}'’´ʹ′]+")
CJK_IDEOGRAPHS = regex.compile(r"(\p{Han}+)")
DATA_DIR = Path(__file__).parent / "data"
# HeLI labels that name a script variant FineWeb2 labels do not: cmn_Hans/cmn_Hant -> cmn_Hani
FINEWEB_SCRIPT = {"Hans": "Hani", "Hant": "Hani"}


class HeliModelError(ValueError):
    """The folder is not a HeLI model folder (says which file is missing or broken)."""


def model_root(path: str | Path) -> Path:
    """The folder holding `languagelist` and `LanguageModels/` (the unpacked tarball), or the error why not."""
    root = Path(path)
    if (root / "LanguageModels").is_dir() and (root / "languagelist").is_file():
        return root
    if root.name == "LanguageModels" and (root.parent / "languagelist").is_file():
        return root.parent
    raise HeliModelError(
        f"'{path}' is not a HeLI model folder: expected '{root / 'languagelist'}' and "
        f"'{root / 'LanguageModels'}/' (unpack heli-openlid-hpltv4.tar.xz: tar -xJf FILE -C FOLDER)"
    )


def fineweb_label(heli_label: str) -> str:
    code, _, script = heli_label.partition("_")
    return f"{code}_{FINEWEB_SCRIPT.get(script, script)}"


def heli_words(text: str) -> list[str]:
    """HeLI's words: lowercased, non-letters to spaces, CJK ideograph runs set apart."""
    text = NOT_LETTER.sub(" ", text.lower())
    text = CJK_IDEOGRAPHS.sub(r" \1 ", text)
    return text.split()


def _read_model(path: Path) -> dict[str, float]:
    """entry -> -log10(relative frequency), over the entries HeLI uses."""
    try:
        with path.open(encoding="utf-8") as fh:
            total = int(fh.readline())
            counts: dict[str, int] = {}
            for line in fh:
                entry, _, count = line.rstrip("\n").rpartition("\t")
                amount = int(count)
                if amount / total <= MIN_RELATIVE_COUNT:
                    break  # the file is sorted by count: the rest is rarer
                counts[entry] = amount
    except (OSError, ValueError) as e:
        raise HeliModelError(f"HeLI model file '{path}' cannot be read: {type(e).__name__}: {e}") from None
    used = sum(counts.values()) or 1
    return {entry: -math.log10(amount / used) for entry, amount in counts.items()}


class HeliScorer:
    """HeLI over a subset of a model folder's languages (loaded on first use)."""

    def __init__(self, folder: str | Path):
        self.root = model_root(folder)
        self._models: dict[str, list[dict[str, float]]] = {}

    @cached_property
    def labels(self) -> tuple[str, ...]:
        lines = (self.root / "languagelist").read_text(encoding="utf-8").split()
        return tuple(label for label in lines if "_" in label)

    def model(self, label: str) -> list[dict[str, float]]:
        """[word model, 1-gram ... 6-gram models] of one language."""
        if label not in self._models:
            folder = self.root / "LanguageModels"
            self._models[label] = [
                _read_model(folder / f"{label}.{MODEL_FILES[n]}") for n in range(MAX_ORDER + 1)
            ]
        return self._models[label]

    def scores(self, text: str, labels: list[str]) -> list[tuple[str, float]]:
        """(label, mean HeLI score) for `labels`, lowest (best) first; [] if the text has no words."""
        words = heli_words(text)
        if not words or not labels:
            return []
        models = [self.model(label) for label in labels]
        totals = [0.0] * len(labels)
        for word in words:
            word_scores = self._score(word, models)
            for i, score in enumerate(word_scores):
                totals[i] += score
        ranked = [(label, total / len(words)) for label, total in zip(labels, totals, strict=True)]
        return sorted(ranked, key=lambda item: item[1])

    @staticmethod
    def _score(word: str, models: list[list[dict[str, float]]]) -> list[float]:
        found = [m[0].get(word) for m in models]
        if any(p is not None for p in found):
            return [PENALTY if p is None else p for p in found]
        padded = f" {word} "
        for n in range(min(MAX_ORDER, len(padded)), 0, -1):
            sums = [0.0] * len(models)
            hits = 0
            for start in range(len(padded) - n + 1):
                gram = padded[start : start + n]
                probs = [m[n].get(gram) for m in models]
                if all(p is None for p in probs):
                    continue
                hits += 1
                for i, p in enumerate(probs):
                    sums[i] += PENALTY if p is None else p
            if hits:
                return [s / hits for s in sums]
        return [PENALTY] * len(models)


@dataclass(frozen=True)
class Group:
    name: str
    members: tuple[str, ...]  # FineWeb2 labels


@lru_cache(maxsize=4)
def confusable_groups(path: Path = DATA_DIR / "confusable_groups.tsv") -> tuple[Group, ...]:
    """Groups of close neighbours the arbiter decides between (data, not code)."""
    return tuple(Group(row["group"], tuple(row["members"].split())) for row in read_tsv(path))


@dataclass(frozen=True)
class Verdict:
    label: str  # the arbiter's choice (the ensemble's label when HeLI agrees on the language)
    ensemble_label: str  # what the ensemble said
    group: str
    scores: tuple[tuple[str, float], ...]  # HeLI scores of the group's languages, best first
    gap: float = 0.0  # HeLI's margin for its best over the ensemble's language (overrule)


class Arbiter:
    """Decides between close neighbours with a HeLI model folder, when the ensemble's best label
    is in a confusable group; the group's languages the folder has are the only candidates."""

    # HeLI's score gap (mean -log10 probability per word, overrule) needed to overrule the ensemble: tuned
    # on half of the confusable pages of scripts/eval/lid_web.py (0.924 at 0 -> 0.962), held-out half 0.946 -> 0.969
    MARGIN = 0.5

    def __init__(
        self, folder: str | Path, groups: tuple[Group, ...] | None = None, margin: float | None = None
    ):
        self.scorer = HeliScorer(folder)
        self.margin = self.MARGIN if margin is None else margin
        self.groups = groups if groups is not None else confusable_groups()

    @cached_property
    def _by_code(self) -> dict[str, list[tuple[Group, list[str]]]]:
        """language code -> [(group, the folder's HeLI labels for the group's members)]."""
        heli_by_code: dict[str, list[str]] = {}
        for label in self.scorer.labels:
            heli_by_code.setdefault(language_code(label), []).append(label)
        out: dict[str, list[tuple[Group, list[str]]]] = {}
        for group in self.groups:
            codes = dict.fromkeys(language_code(m) for m in group.members)
            heli = [label for code in codes for label in heli_by_code.get(code, [])]
            if len({language_code(h) for h in heli}) < 2:
                continue  # the folder cannot tell this group's languages apart
            for code in codes:
                out.setdefault(code, []).append((group, heli))
        return out

    def check(self) -> str | None:
        """A problem message if the folder cannot be used (loads one language of each group)."""
        try:
            if not self.scorer.labels:
                return f"'{self.scorer.root / 'languagelist'}' lists no languages"
            for entries in self._by_code.values():
                for _, heli in entries:
                    self.scorer.model(heli[0])
        except HeliModelError as e:
            return str(e)
        return None

    def consulted(self, label: str) -> bool:
        return language_code(label) in self._by_code

    def decide(self, label: str, text: str) -> Verdict | None:
        """The group member HeLI finds best for `text`, if `label` is in a group (else None)."""
        entries = self._by_code.get(language_code(label))
        if not entries:
            return None
        group, heli = entries[0]
        scores = self.scorer.scores(text, heli)
        if not scores:
            return None
        labelled = tuple((fineweb_label(h), score) for h, score in scores)
        choice, gap = overrule(label, labelled, self.margin)
        return Verdict(choice, label, group.name, labelled, gap)


def overrule(label: str, scores: tuple[tuple[str, float], ...], margin: float) -> tuple[str, float]:
    """(the arbiter's label, HeLI's gap) for the ensemble's `label` and HeLI's scores of the group
    (best first). The gap is how much better (lower) HeLI scores its best language than the
    ensemble's language (than its second best, when the folder lacks the ensemble's language, e.g.
    a macrolanguage); HeLI's best replaces the ensemble's label when it is another language and the
    gap reaches `margin`."""
    best, best_score = scores[0]
    own = [score for other, score in scores if language_code(other) == language_code(label)]
    if own:
        gap = own[0] - best_score
    else:
        gap = scores[1][1] - best_score if len(scores) > 1 else math.inf
    if language_code(best) == language_code(label) or gap < margin:
        return label, gap
    return best, gap
