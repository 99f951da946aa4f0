"""Per-document rounding: deterministic, capped, and right on average."""

from curator.rebalance.sampling import repetitions


def test_whole_counts_are_exact_and_capped():
    assert {repetitions(2.0, 4, f"id{i}") for i in range(100)} == {2}
    assert {repetitions(9.5, 4, f"id{i}") for i in range(100)} == {4}
    assert {repetitions(0.0, 4, f"id{i}") for i in range(100)} == {0}


def test_fractional_counts_keep_the_expectation():
    n = 20_000
    total = sum(repetitions(1.3, 4, f"doc-{i}") for i in range(n))
    assert abs(total / n - 1.3) < 0.02
    assert {repetitions(1.3, 4, f"doc-{i}") for i in range(200)} == {1, 2}


def test_same_id_same_count_other_seed_other_coins():
    first = [repetitions(0.5, 4, f"d{i}", seed=1) for i in range(200)]
    assert first == [repetitions(0.5, 4, f"d{i}", seed=1) for i in range(200)]
    assert first != [repetitions(0.5, 4, f"d{i}", seed=2) for i in range(200)]
