"""Real documents shared by the filter tests (loaded once per session)."""

from pathlib import Path

import pytest

from curator.filters.samples import gold_articles, real_pages, sentence_docs
from tests.conftest import shared_data

REAL_PAGES = Path(__file__).resolve().parents[1] / "data" / "filters" / "real_pages.parquet"


@pytest.fixture(scope="session")
def pages():
    """1,168 pages of shared/data/bench/real-pages.warc.gz, extracted (mostly German and English)."""
    shared_data("bench/real-pages.warc.gz")  # the parquet is made from it: fail under CI like the rest
    return real_pages(REAL_PAGES)


@pytest.fixture(scope="session")
def articles():
    """181 gold article texts of html-gold/scrapinghub (clean English prose)."""
    return gold_articles(shared_data("html-gold/scrapinghub"))


@pytest.fixture(scope="session")
def sentence_documents():
    """lid-dev sentences grouped into documents: 8 per language, 75 languages."""
    return sentence_docs(shared_data("lid-dev"), max_docs_per_language=8)
