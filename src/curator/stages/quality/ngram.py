"""A word n-gram language model with interpolated modified Kneser-Ney smoothing, in plain Python.

Why here and not kenlm: the models are small (tens of thousands of sentences per language), so
training takes seconds in Python and needs no compiled tool; the model is written as a standard
ARPA file (gzipped), so a model built with kenlm's `lmplz` loads here too, and ours load in kenlm.

Tokens are the quality stage's one normalisation (`text.prepare_text`): lower case, digits as 0,
punctuation as tokens, Han/kana/Thai/... split into characters, so the same model code serves
spaced and unspaced scripts. A sentence (`<s> ... </s>`) ends at a line break and after
sentence-final punctuation: the models learn from one-sentence lines, and a paragraph of five
sentences must not look like one long sentence.

Rare words as classes (`oov_suffix`): trained on ~20,000 tokens per language, a model knows few of
a document's words; an unknown word makes every n-gram around it unseen, so a word order signal
is left only around the frequent words. Training therefore replaces words seen once by the class
`<unk:xy>` (xy = the word's last `oov_suffix` characters: in most languages the ending carries
case, number or tense, the part of a word that word order agrees with), and a query maps unknown
words the same way; `<unk>` remains for an unseen class. The classes are ordinary ARPA words, and
the suffix length is read back from them (a model without classes, e.g. kenlm's, uses `<unk>`).

The score is the context's gain over the bag of words (SLOR, Lau et al. 2017): mean per token of
log10 p(word | context) - (1 - `UNIGRAM_WEIGHT`) x log10 p(word). A document and the same words
in another order have the same unigram part, so without the subtraction a document's rare
vocabulary would decide its rank more than its word order does.

Smoothing (Chen & Goodman 1998, as in kenlm): the highest order and n-grams starting with `<s>`
use raw counts, lower orders use continuation counts (how many distinct words precede them);
three discounts per order (for counts 1, 2 and 3+) come from the count-of-counts; the unigram
distribution is interpolated with a uniform one over the vocabulary plus `<unk>`. The
interpolated probabilities are stored with the back-off weights, so a query is ARPA back-off.
"""

from __future__ import annotations

import gzip
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from curator.core.atomic import atomic_path
from curator.core.errors import CuratorError
from curator.stages.quality.text import prepare_text

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
NO_PROB = -99.0  # ARPA's log10 probability of <s> (never predicted)
OOV_SUFFIX = 2  # characters of a rare word's ending kept in its class (0: every rare word is <unk>)
MIN_COUNT = 2  # words seen fewer times in training become their class
UNIGRAM_WEIGHT = 0.3  # share of the bag-of-words log probability left in the score (see above)
# sentence-final punctuation (after prepare_text, each is a token of its own)
SENTENCE_END = frozenset(".!?;:…։।॥۔؟።᙮。！？｡")


def _split_sentences(tokens: list[str]) -> list[list[str]]:
    out, current = [], []
    for i, token in enumerate(tokens):
        current.append(token)
        if token in SENTENCE_END and i + 1 < len(tokens) and tokens[i + 1] not in SENTENCE_END:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def sentences(text: str) -> list[list[str]]:
    """The token lists of a text's sentences: each non-empty line, split after sentence-final
    punctuation."""
    out = []
    for line in text.splitlines():
        tokens = prepare_text(line).split()
        if tokens:
            out += _split_sentences(tokens)
    return out


def word_class(word: str, suffix: int) -> str:
    """The class of a rare or unknown word: `<unk:` + its last `suffix` characters + `>`, or
    `<unk>` (no suffix, a short word, or punctuation/symbols)."""
    if suffix and len(word) > suffix and not unicodedata.category(word[0]).startswith(("P", "S")):
        return f"<unk:{word[-suffix:]}>"
    return UNK


def _discounts(counts: Iterable[int]) -> tuple[float, float, float]:
    """Modified Kneser-Ney discounts D1, D2, D3+ from the count-of-counts (with safe fallbacks for
    the tiny count tables of a small corpus)."""
    n = Counter(c for c in counts if c <= 4)
    n1, n2, n3, n4 = (n.get(k, 0) for k in (1, 2, 3, 4))
    if not (n1 and n2 and n3 and n4):
        return 0.5, 1.0, 1.5
    y = n1 / (n1 + 2 * n2)
    d = (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3)
    return tuple(min(max(x, 0.05), k) for x, k in zip(d, (1.0, 2.0, 3.0), strict=True))


class NgramModel:
    """log10 probabilities and back-off weights per n-gram (an ARPA model in memory)."""

    def __init__(self, order: int, probs: list[dict], backoffs: list[dict]):
        self.order = order
        self.probs = probs  # probs[n-1]: n-gram tuple -> log10 p
        self.backoffs = backoffs  # backoffs[n-1]: n-gram tuple -> log10 back-off weight
        self.unk = probs[0].get((UNK,), NO_PROB)
        # the rare-word classes' suffix length, read from the model's own class words
        self.oov_suffix = next(
            (len(g[0]) - 6 for g in probs[0] if g[0].startswith("<unk:") and g[0].endswith(">")), 0
        )

    def token(self, word: str) -> str:
        """The model's word for `word`: itself when known, else its class, else `<unk>`."""
        if (word,) in self.probs[0]:
            return word
        cls = word_class(word, self.oov_suffix)
        return cls if (cls,) in self.probs[0] else UNK

    # ---- training --------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        corpus: Iterable[Sequence[str]],
        order: int = 3,
        oov_suffix: int = OOV_SUFFIX,
        min_count: int = MIN_COUNT,
    ) -> NgramModel:
        """Train on token lists (one per sentence); words seen fewer than `min_count` times are
        replaced by their class (`word_class`)."""
        if order < 1:
            raise ValueError("order must be >= 1")
        corpus = [list(tokens) for tokens in corpus]
        frequency = Counter(t for tokens in corpus for t in tokens)
        raw: list[Counter] = [Counter() for _ in range(order)]
        for tokens in corpus:
            tokens = [t if frequency[t] >= min_count else word_class(t, oov_suffix) for t in tokens]
            seq = [BOS, *tokens, EOS]
            for n in range(1, order + 1):
                for i in range(len(seq) - n + 1):
                    gram = tuple(seq[i : i + n])
                    if gram == (BOS,):
                        continue
                    raw[n - 1][gram] += 1
        if not raw[0]:
            raise CuratorError("no text to train a language model on")
        # adjusted counts: raw for the highest order and for n-grams starting with <s>,
        # continuation counts (distinct left neighbours) for the rest
        adjusted: list[Counter] = [Counter() for _ in range(order)]
        adjusted[order - 1] = raw[order - 1]
        for n in range(order, 1, -1):
            for gram in raw[n - 1]:
                adjusted[n - 2][gram[1:]] += 1
        for n in range(1, order):
            for gram, c in raw[n - 1].items():
                if gram[0] == BOS:
                    adjusted[n - 1][gram] = c
        vocab = {g[0] for g in adjusted[0]} | {UNK}
        probs: list[dict] = [dict() for _ in range(order)]
        backoffs: list[dict] = [dict() for _ in range(order)]
        lower: dict = {}
        for n in range(1, order + 1):
            counts = adjusted[n - 1]
            d1, d2, d3 = _discounts(counts.values())
            totals: dict = defaultdict(int)
            kinds: dict = defaultdict(lambda: [0, 0, 0])
            for gram, c in counts.items():
                h = gram[:-1]
                totals[h] += c
                kinds[h][min(c, 3) - 1] += 1
            gamma = {h: (d1 * k[0] + d2 * k[1] + d3 * k[2]) / totals[h] for h, k in kinds.items()}
            current = {}
            for gram, c in counts.items():
                h = gram[:-1]
                d = (d1, d2, d3)[min(c, 3) - 1]
                if n == 1:
                    below = 1.0 / len(vocab)
                else:
                    below = cls._backoff_prob(gram[1:], lower, probs, backoffs)
                current[gram] = (c - d) / totals[h] + gamma[h] * below
            if n == 1:
                # <unk> is a training word when a rare word has no class (short, or punctuation)
                current.setdefault((UNK,), gamma[()] / len(vocab))
                current[(BOS,)] = 0.0
            else:
                for h, g in gamma.items():
                    backoffs[n - 2][h] = math.log10(g) if g > 0 else NO_PROB
            probs[n - 1] = {gram: (math.log10(p) if p > 0 else NO_PROB) for gram, p in current.items()}
            lower = current
        return cls(order, probs, backoffs)

    @staticmethod
    def _backoff_prob(gram: tuple, lower: dict, probs: list[dict], backoffs: list[dict]) -> float:
        """Interpolated probability of `gram` at its own order during training (already computed
        for the seen lower-order n-grams; back off for the unseen)."""
        p = lower.get(gram)
        if p is not None:
            return p
        logp = NgramModel._query(gram[:-1], gram[-1], probs, backoffs)
        return 10.0**logp

    # ---- querying --------------------------------------------------------------------------
    @staticmethod
    def _query(context: tuple, word: str, probs: list[dict], backoffs: list[dict]) -> float:
        penalty = 0.0
        for start in range(len(context) + 1):
            h = context[start:]
            n = len(h) + 1
            if n > len(probs):
                continue
            p = probs[n - 1].get((*h, word))
            if p is not None:
                return p + penalty
            if h:
                penalty += backoffs[n - 2].get(h, 0.0)
        return probs[0].get((UNK,), NO_PROB) + penalty

    def log10_prob(self, context: Sequence[str], word: str) -> float:
        return self._query(
            tuple(context)[-(self.order - 1) :] if self.order > 1 else (), word, self.probs, self.backoffs
        )

    def sentence_log10(self, tokens: Sequence[str]) -> tuple[float, float, int]:
        """(sum of log10 p(token | context) over the tokens and </s>, the same sum for the unigram
        probabilities, number of predictions); unknown words as their class."""
        seq = [BOS, *(self.token(t) for t in tokens), EOS]
        total = unigram = 0.0
        k = self.order - 1
        unigrams = self.probs[0]
        for i in range(1, len(seq)):
            total += self._query(tuple(seq[max(0, i - k) : i]), seq[i], self.probs, self.backoffs)
            unigram += unigrams.get((seq[i],), self.unk)
        return total, unigram, len(seq) - 1

    def score(self, text: str) -> float | None:
        """Mean per token (`</s>` included) of log10 p(token | context) - (1 - UNIGRAM_WEIGHT) x
        log10 p(token): higher is more fluent; comparable across document lengths and independent
        of how rare the document's words are. None for a text without tokens."""
        total, n = 0.0, 0
        for tokens in sentences(text):
            s, u, k = self.sentence_log10(tokens)
            total += s - (1 - UNIGRAM_WEIGHT) * u
            n += k
        return total / n if n else None

    # ---- ARPA ------------------------------------------------------------------------------
    def save_arpa(self, path: Path) -> Path:
        """Write the model as (gzipped, for a .gz name) ARPA text, atomically; sorted, so the same
        model gives the same bytes."""
        path = Path(path)
        opener = gzip.open if path.suffix == ".gz" else open
        with atomic_path(path) as tmp:
            raw = open(tmp, "wb")
            stream = (
                gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=5)
                if opener is gzip.open
                else raw
            )
            with stream as out:
                lines = ["", "\\data\\"]
                lines += [f"ngram {n}={len(self.probs[n - 1])}" for n in range(1, self.order + 1)]
                for n in range(1, self.order + 1):
                    lines += ["", f"\\{n}-grams:"]
                    for gram in sorted(self.probs[n - 1]):
                        row = f"{self.probs[n - 1][gram]:.6f}\t{' '.join(gram)}"
                        if n < self.order and gram in self.backoffs[n - 1]:
                            row += f"\t{self.backoffs[n - 1][gram]:.6f}"
                        lines.append(row)
                lines += ["", "\\end\\", ""]
                out.write("\n".join(lines).encode("utf-8"))
            if stream is not raw:
                raw.close()
        return path

    @classmethod
    def load_arpa(cls, path: str | Path) -> NgramModel:
        """Read an ARPA file (plain or .gz), ours or kenlm's; errors name the file and line."""
        path = Path(path)
        opener = gzip.open if path.suffix == ".gz" else open
        probs: list[dict] = []
        backoffs: list[dict] = []
        section = 0
        try:
            with opener(path, "rt", encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    line = line.rstrip("\n")
                    if not line:
                        continue
                    if line.startswith("ngram "):
                        probs.append({})
                        backoffs.append({})
                        continue
                    if line.startswith("\\"):
                        if line.endswith("-grams:"):
                            section = int(line[1:].split("-")[0])
                        elif line == "\\end\\":
                            break
                        continue
                    if not section:
                        continue
                    parts = line.split("\t")
                    try:
                        gram = tuple(parts[1].split(" "))
                        probs[section - 1][gram] = float(parts[0])
                        if len(parts) > 2:
                            backoffs[section - 1][gram] = float(parts[2])
                    except (IndexError, ValueError):
                        raise CuratorError(
                            f"{path}:{lineno}: not an ARPA n-gram line ({line[:60]!r}); rebuild the model "
                            "with `curator quality train-lm`"
                        ) from None
        except (OSError, EOFError, UnicodeDecodeError) as e:
            raise CuratorError(f"{path}: cannot read the language model ({e})") from None
        if not probs or not probs[0]:
            raise CuratorError(f"{path}: no n-grams (not an ARPA language model)")
        return cls(len(probs), probs, backoffs)
