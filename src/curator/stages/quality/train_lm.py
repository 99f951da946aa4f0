"""Train the fluency language models (`curator quality train-lm`, `make lm-models`), offline.

Text per language (the lid stage's label), from what the project has locally:
- lid-dev (../shared/data/lid-dev/<iso639-3>.txt): 1,000 Leipzig web sentences per language
  (lingua-py, Apache-2.0; see its PROVENANCE.md);
- the bundled UDHR (data/calibration/udhr.jsonl.gz; see data/calibration/PROVENANCE.md);
- the bundled text for languages neither has (data/lm-text/<language>.txt.gz, one unit per line:
  Assamese from LibreOffice's translations; see data/lm-text/PROVENANCE.md and
  scripts/make_lm_text.py);
- any further `LANGUAGE=GLOB` files (Parquet, JSONL or one document per line) the user names.

The threshold calibration is cross-validated: the sentences are split into `folds` folds; for each,
a model trained on the others scores the held-out fold's sentences grouped into web-like
documents (1-8 paragraphs of 1-4 sentences). The percentiles of those scores are what unseen clean
text of the language scores; the model written is trained on everything.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from curator.core.atomic import write_json_atomic
from curator.core.paths import checkout_root
from curator.stages.quality.fluency import MODEL_SUFFIX, clean_percentiles
from curator.stages.quality.ngram import MIN_COUNT, OOV_SUFFIX, UNIGRAM_WEIGHT, NgramModel, sentences

# data of a checkout, not shipped in the wheel (an installed curator trains from --text and lid-dev)
_ROOT = checkout_root()
UDHR_BUNDLE = _ROOT / "data" / "calibration" / "udhr.jsonl.gz" if _ROOT else None
LM_TEXT = _ROOT / "data" / "lm-text" if _ROOT else None


@dataclass
class LanguageText:
    language: str
    units: list[str] = field(default_factory=list)  # sentences or lines, in source order
    sources: dict[str, int] = field(default_factory=dict)  # source -> units

    def add(self, source: str, units: Iterable[str]) -> None:
        units = [u.strip() for u in units if u.strip()]
        if units:
            self.units += units
            self.sources[source] = self.sources.get(source, 0) + len(units)


def lid_dev_label(iso1: str, iso3: str, script: str, sample: str) -> str:
    """The label the lid stage gives this file's text (zh -> cmn_Hani, as lid.176's `zh` is
    normalised), else `<iso639_3>_<script>` for languages lid.176 lacks."""
    from curator.text.labels import normalize_label

    label = normalize_label(iso1, engine="fasttext", text=sample)
    return label if len(label.partition("_")[0]) == 3 else f"{iso3}_{script}"


def collect_texts(
    lid_dev: Path | None,
    udhr: Path | None,
    extra: dict[str, list[str]],
    lm_text: Path | None = None,
) -> dict[str, LanguageText]:
    """language -> its training text from lid-dev, the UDHR bundle, the bundled lm-text folder
    (`<language>.txt.gz`) and the user's files."""
    from curator.stages.quality.train import read_texts

    out: dict[str, LanguageText] = {}
    if lid_dev is not None:
        rows = (lid_dev / "languages.tsv").read_text(encoding="utf-8").splitlines()[1:]
        for row in rows:
            iso1, iso3, script = row.split("\t")[:3]
            text = (lid_dev / f"{iso3}.txt").read_text(encoding="utf-8")
            label = lid_dev_label(iso1, iso3, script, text[:2000])
            out.setdefault(label, LanguageText(label)).add(f"lid-dev/{iso3}.txt", text.splitlines())
    if udhr is not None:
        with gzip.open(udhr, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                out.setdefault(rec["language"], LanguageText(rec["language"])).add(
                    f"udhr/{rec['udhr_code']}", rec["text"].splitlines()
                )
    if lm_text is not None and lm_text.is_dir():
        for path in sorted(lm_text.glob("*.txt.gz")):
            language = path.name[: -len(".txt.gz")]
            with gzip.open(path, "rt", encoding="utf-8") as f:
                out.setdefault(language, LanguageText(language)).add(
                    f"lm-text/{path.name}", f.read().splitlines()
                )
    for language, patterns in extra.items():
        for pattern in patterns:
            for path, text in read_texts(pattern):
                out.setdefault(language, LanguageText(language)).add(path, text.splitlines())
    return out


def _fold(unit: str, folds: int) -> int:
    return int.from_bytes(hashlib.sha256(unit.encode()).digest()[:4], "big") % folds


def as_documents(units: list[str], seed: str) -> list[str]:
    """Consecutive units as web-like documents: 1-8 paragraphs of 1-4 units (seeded)."""
    rng = random.Random(seed)
    docs, i = [], 0
    while i < len(units):
        paragraphs = []
        for _ in range(rng.randint(1, 8)):
            if i >= len(units):
                break
            n = rng.randint(1, 4)
            paragraphs.append(" ".join(units[i : i + n]))
            i += n
        docs.append("\n".join(paragraphs))
    return docs


def train_language(text: LanguageText, out_dir: Path, order: int = 3, folds: int = 5) -> dict:
    """Train, calibrate (cross-validated) and write `<language>.arpa.gz` + `<language>.json`."""
    token_lists = [sentences(u) for u in text.units]
    held_out_scores: list[float] = []
    for k in range(folds):
        train = [t for u, ts in zip(text.units, token_lists, strict=True) if _fold(u, folds) != k for t in ts]
        test = [u for u in text.units if _fold(u, folds) == k]
        if not train or not test:
            continue
        model = NgramModel.train(train, order)
        for doc in as_documents(test, f"{text.language}:{k}"):
            score = model.score(doc)
            if score is not None:
                held_out_scores.append(score)
    model = NgramModel.train([t for ts in token_lists for t in ts], order)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_arpa(out_dir / f"{text.language}{MODEL_SUFFIX}")
    info = {
        "language": text.language,
        "order": order,
        "smoothing": "interpolated modified Kneser-Ney (curator.stages.quality.ngram)",
        "rare_words": f"seen < {MIN_COUNT} times -> class <unk:last {OOV_SUFFIX} characters>",
        "score": f"mean log10 p(token | context) - {1 - UNIGRAM_WEIGHT:g} x log10 p(token)",
        "tokens": sum(len(t) for ts in token_lists for t in ts),
        "ngrams": [len(p) for p in model.probs],
        "sources": text.sources,
        "calibration": f"{folds}-fold cross-validation, {len(held_out_scores)} held-out documents",
        "clean_percentiles": clean_percentiles(held_out_scores) if held_out_scores else [],
    }
    write_json_atomic(out_dir / f"{text.language}.json", info, indent=1)
    return info
