"""Stop words: frequent words, not numbers or punctuation; a curated list keeps topic words out."""

from collections import Counter

from curator.calibrate.stopwords import choose_stopwords, load_stoplists, stoplist_for
from tests.conftest import shared_data


def test_frequent_words_without_digits_or_punctuation_in_a_fixed_order():
    freq = Counter({"the": 90, ",": 99, "2024": 80, "of": 70, "and": 70, "rights": 60, "rare": 1})
    assert choose_stopwords(freq, 100) == ["the", "and", "of", "rights"]  # ties by word; "rare" < 5 %


def test_a_curated_list_keeps_topic_words_out():
    words = ["the", "of", "and", "to", "in", "a", "is", "for", "on", "that"]
    freq = Counter({w: 90 - i for i, w in enumerate(words)} | {"rights": 95, "everyone": 94})
    lists = load_stoplists(shared_data("stopwords"))
    chosen = choose_stopwords(freq, 100, stoplist_for("eng_Latn", lists))
    assert "rights" not in chosen and "everyone" not in chosen
    assert chosen[:3] == ["the", "of", "and"]
    assert stoplist_for("zsm_Latn", lists)  # Malay's list is filed under the macrolanguage msa
