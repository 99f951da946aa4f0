"""Real article texts (scrapinghub article-extraction-benchmark gold bodies) for the dedup tests."""

import json

import pytest

from tests.conftest import shared_data


@pytest.fixture(scope="session")
def articles() -> list[str]:
    truth = json.loads(shared_data("html-gold/scrapinghub/ground-truth.json").read_text())
    return [v["articleBody"] for v in truth.values() if len(v["articleBody"].split()) >= 200]
