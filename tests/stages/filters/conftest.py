"""Real documents shared by the filter tests (loaded once per session)."""

from pathlib import Path

import pytest

from scripts.devtools.filter_samples import gold_articles, real_pages, sentence_docs
from tests.conftest import shared_data

REAL_PAGES = Path(__file__).resolve().parents[2] / "data" / "filters" / "real_pages.parquet"


@pytest.fixture(scope="session")
def pages():
    """1,168 pages of shared/data/bench/real-pages.warc.gz, extracted (mostly German and English)."""
    shared_data("bench/real-pages.warc.gz")  # the parquet is made from it: fail under CI like the rest
    return real_pages(REAL_PAGES)


@pytest.fixture(scope="session")
def articles(pages):
    """181 gold article texts of html-gold/scrapinghub (clean prose, mostly English)."""
    return gold_articles(
        shared_data("html-gold/scrapinghub"), {d.metadata["url"]: d.metadata["language"] for d in pages}
    )


# one language per kind of word tokenizer: spaCy rules (some with multi-word special cases: spa, rus,
# bul, ell, fas), jieba (zho), Sudachi (jpn), Kiwi (kor), PyThaiNLP (tha), Indic NLP (hin, tam, urd,
# ben), pyvi (vie), and the multilingual fallback (kaz: stanza is not installed)
TOKENIZER_KINDS = [
    "eng",
    "deu",
    "fra",
    "spa",
    "rus",
    "bul",
    "ell",
    "ara",
    "fas",
    "heb",
    "hin",
    "tam",
    "urd",
    "ben",
    "zho",
    "jpn",
    "kor",
    "tha",
    "vie",
    "kaz",
    "tur",
    "fin",
    "hun",
    "pol",
    "swa",
    "yor",
]


@pytest.fixture(scope="session")
def sentence_documents():
    """lid-dev sentences grouped into documents: 50 per language, 26 languages."""
    return sentence_docs(shared_data("lid-dev"), max_docs_per_language=50, codes=TOKENIZER_KINDS)
