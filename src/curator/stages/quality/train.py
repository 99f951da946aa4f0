"""Train a binary fastText quality classifier, quantise it, and measure it on a held-back split.

Used by `curator quality train` and by scripts/train_quality_model.py (the shipped model). The
split is by group (a source page or file), so chunks of one page never sit on both sides.
Training is single-threaded with a fixed seed, so a rerun gives the same model.
"""

from __future__ import annotations

import glob
import hashlib
import multiprocessing
import random
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from curator.core.atomic import atomic_path
from curator.core.errors import CuratorError
from curator.stages.quality.classifier import NEGATIVE_LABEL, POSITIVE_LABEL, FastTextClassifier
from curator.stages.quality.text import Normalization, prepare_text


@dataclass
class Example:
    text: str
    positive: bool
    group: str  # examples of one group stay on the same side of the split
    source: str = ""  # for per-source metrics


@dataclass
class TrainSettings:
    """fastText settings. Small dim and a quantisation cut-off keep the model a few MB."""

    epoch: int = 10
    lr: float = 0.2
    dim: int = 32
    word_ngrams: int = 2
    min_count: int = 2
    bucket: int = 500_000
    cutoff: int = 100_000  # quantisation keeps at most this many words + n-grams
    seed: int = 0
    quantize: bool = True  # False: a larger model, trained faster (tests)
    normalization: Normalization = "curator"  # text preparation (text.prepare_text)


@dataclass
class HeldOutMetrics:
    positives: int
    negatives: int
    precision: float
    recall: float
    f1: float
    roc_auc: float
    threshold: float = 0.5

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"held-out: {self.positives} positive, {self.negatives} negative | "
            f"precision {self.precision:.3f} recall {self.recall:.3f} F1 {self.f1:.3f} "
            f"(threshold {self.threshold}) | ROC-AUC {self.roc_auc:.3f}"
        )


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the ROC curve = P(score of a random positive > a random negative), ties count half."""
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(scores, dtype=float))
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def held_out_metrics(
    labels: Sequence[bool], scores: Sequence[float], threshold: float = 0.5
) -> HeldOutMetrics:
    y = np.asarray(labels, dtype=bool)
    predicted = np.asarray(scores, dtype=float) >= threshold
    tp = int((predicted & y).sum())
    precision = tp / max(1, int(predicted.sum()))
    recall = tp / max(1, int(y.sum()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return HeldOutMetrics(int(y.sum()), int((~y).sum()), precision, recall, f1, roc_auc(y, scores), threshold)


def split_by_group(examples: Sequence[Example], valid_fraction: float, seed: int = 0):
    """(train, valid): a group goes to valid when its seeded hash falls under valid_fraction."""

    def in_valid(group: str) -> bool:
        digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < valid_fraction

    train, valid = [], []
    for ex in examples:
        (valid if in_valid(ex.group) else train).append(ex)
    return train, valid


def _balanced(examples: Sequence[Example], seed: int) -> list[Example]:
    """Repeat the smaller class's examples until both classes weigh the same, then shuffle."""
    rng = random.Random(seed)
    pos = [e for e in examples if e.positive]
    neg = [e for e in examples if not e.positive]
    small, large = sorted((pos, neg), key=len)
    extra = [small[i % len(small)] for i in range(len(large) - len(small))] if small else []
    out = pos + neg + extra
    rng.shuffle(out)
    return out


def train_classifier(examples: Sequence[Example], out: Path, settings: TrainSettings | None = None) -> Path:
    """Train on `examples` (classes balanced by repetition), quantise, save to `out` (.ftz).

    Quantisation (product quantisation of the kept rows) costs time in proportion to the rows it
    keeps: `cutoff`, or fewer when the data has fewer distinct words and word n-grams."""

    settings = settings or TrainSettings()
    if not any(e.positive for e in examples) or all(e.positive for e in examples):
        raise CuratorError("training needs both positive and negative examples")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        train_file = Path(tmp) / "train.txt"
        features: set[int] = set()  # distinct words and word n-grams: quantising more rows is waste
        with train_file.open("w", encoding="utf-8") as f:
            for ex in _balanced(examples, settings.seed):
                line = prepare_text(ex.text, settings.normalization)
                if line:
                    f.write(f"{POSITIVE_LABEL if ex.positive else NEGATIVE_LABEL} {line}\n")
                    words = line.split()
                    for n in range(1, settings.word_ngrams + 1):
                        features.update(hash(tuple(words[i : i + n])) for i in range(len(words) - n + 1))
        cutoff = min(settings.cutoff, len(features)) if settings.quantize else None
        with atomic_path(out) as tmp_out:
            # A fresh interpreter: some libraries (heliport, py3langid) change the floating-point state of the
            # process that imports them, after which fastText training diverges ("Encountered NaN").
            ctx = multiprocessing.get_context("spawn")
            worker = ctx.Process(
                target=_train_and_save, args=(str(train_file), settings, cutoff, str(tmp_out))
            )
            worker.start()
            worker.join()
            if worker.exitcode != 0 or not tmp_out.is_file():
                raise CuratorError(
                    f"fastText training failed (exit code {worker.exitcode}); see the message above"
                )
    return out


def _train_and_save(train_file: str, settings: TrainSettings, cutoff: int | None, out: str) -> None:
    import fasttext

    model = fasttext.train_supervised(
        input=train_file,
        epoch=settings.epoch,
        lr=settings.lr,
        dim=settings.dim,
        wordNgrams=settings.word_ngrams,
        minCount=settings.min_count,
        bucket=settings.bucket,
        seed=settings.seed,
        thread=1,  # one thread: the same data and seed give the same model
        verbose=0,
    )
    if cutoff is not None:
        model.quantize(input=train_file, qnorm=True, retrain=True, cutoff=cutoff, thread=1, verbose=0)
    model.save_model(out)


def score_examples(
    model_path: Path, examples: Sequence[Example], normalization: Normalization | None = None
) -> list[float]:
    classifier = FastTextClassifier(model_path, normalization=normalization)
    return [classifier.score(e.text) for e in examples]


def read_texts(pattern: str, text_column: str = "text") -> Iterator[tuple[str, str]]:
    """(file, text) for every document in the files matching `pattern`: Parquet and JSONL
    (`text_column`), or plain text with one document per line (any other extension)."""
    from curator.core.readers import JsonlDocReader, ParquetDocReader

    files = sorted(glob.glob(pattern, recursive=True))
    if not files:
        raise CuratorError(f"no file matches '{pattern}'")
    for path in files:
        if path.endswith(".parquet"):
            docs = ParquetDocReader([path], text_column=text_column).read_file(path)
        elif any(path.endswith(ext) for ext in (".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz")):
            docs = JsonlDocReader([path], text_column=text_column).read_file(path)
        else:
            with open(path, encoding="utf-8", errors="replace") as f:
                docs = [_Line(line) for line in f]
        for doc in docs:
            if doc.text.strip():
                yield path, doc.text


@dataclass
class _Line:
    text: str


def shuffled_words(text: str, rng: random.Random) -> str:
    """The same words in a random order, each line keeping its number of words (characters, for
    text written without spaces: Chinese, Japanese, Thai). A negative example of what a
    bag-of-words model cannot see (keyword-stuffed or machine-garbled text) and the dev set's
    "shuffled" kind."""
    lines = text.split("\n")
    unspaced = text.count(" ") < len(text) / 20
    split = list if unspaced else str.split
    joiner = "" if unspaced else " "
    words = [w for line in lines for w in split(line)]
    rng.shuffle(words)
    out, i = [], 0
    for line in lines:
        n = len(split(line))
        out.append(joiner.join(words[i : i + n]))
        i += n
    return "\n".join(out)


# a word: letters and digits plus the combining marks of Indic, Thai and Myanmar scripts (not \w)
_WORD = re.compile(r"(?:\w|[\u0300-\u036F\u0900-\u0DFF\u0E00-\u0EFF\u1000-\u109F])+")
_TOKENS = re.compile(rf"{_WORD.pattern}|(?:(?!{_WORD.pattern}).)+", re.DOTALL)


def shuffled_keeping_punctuation(text: str, rng: random.Random) -> str:
    """The words shuffled among the word positions; punctuation, spaces and line breaks stay where
    they were. The harder negative: every sentence still ends with its full stop, so neither a bag
    of words nor the positions of punctuation tell it from prose (the dev set's "shuffled_punct")."""
    tokens = _TOKENS.findall(text)
    slots = [i for i, t in enumerate(tokens) if _WORD.fullmatch(t)]
    words = [tokens[i] for i in slots]
    rng.shuffle(words)
    for i, w in zip(slots, words, strict=True):
        tokens[i] = w
    return "".join(tokens)
