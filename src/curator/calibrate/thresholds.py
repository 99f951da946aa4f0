"""Thresholds that remove the same share of a language's documents as the reference thresholds remove
of the reference language (FineWeb2's approach), with a guarded extrapolation for clean text.

FineWeb2 measured its shares on web crawls, where every rule removes a visible share of English. On
clean calibration text a rule may remove (almost) no English document at all; matching "0 %" would
put the threshold on the language's most extreme document and make it brittle. There the reference
threshold's distance from the bulk of English is carried over instead: as a ratio of medians for
size-like metrics (word counts, word lengths), in units of spread for ratios. A metric without any
spread in either language (e.g. no duplicated lines anywhere) tells nothing: the reference stays.

Direction: rules on units that differ between languages (word counts, word lengths, words per line)
move both ways: Chinese words are short, so its maximum average word length goes down. Every other
rule only ever loosens: a calibration text cleaner than the reference's is no reason to be stricter
with the language, and clean text of every language must pass. The minimum average word length only
loosens too: a source written with unusual word separators (the Amharic UDHR uses ፡) must not
make a minimum that normal text fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from curator.text import rules
from curator.text.rules import Rule

# the reference must remove at least this share (and 3 documents) for plain share matching
MIN_MATCHED_SHARE = 0.02
MIN_MATCHED_DOCS = 3
# an extrapolated threshold may remove at most this much more of the language than the reference
# removes of the reference language; beyond it the share is matched instead
EXTRAPOLATION_SLACK = 0.02
SPREAD_QUANTILES = (0.05, 0.95)


@dataclass(frozen=True)
class Threshold:
    """One calibrated number: a rule's threshold, or one n's fraction of an n-gram list rule.
    Everything but `n` is the rule's row of the rule table (text/rules.py)."""

    rule: Rule
    n: int | None = None

    @property
    def key(self) -> str:  # the profile key it sets
        return self.rule.name

    @property
    def name(self) -> str:
        return f"{self.key}[{self.n}]" if self.n is not None else self.key

    @property
    def metric(self) -> str:  # calibrate/metrics.py's name of the value compared
        return self.rule.metric.format(n=self.n)

    @property
    def removes_above(self) -> bool:  # True: metric > threshold removes; False: metric < threshold
        return self.rule.removes_above

    @property
    def integer(self) -> bool:
        return self.rule.kind is int

    @property
    def size_like(self) -> bool:
        return self.rule.calibration.size_like

    @property
    def may_tighten(self) -> bool:
        return self.rule.calibration.may_tighten

    @property
    def upper_bound(self) -> float | None:
        return self.rule.calibration.upper_bound


def calibrated_thresholds() -> list[Threshold]:
    """Every threshold matched on a metric of calibrate/metrics.py, in the rule table's order (the
    n-gram lists: one per n of the rule's default list). The table is read now, not at import."""
    thresholds = []
    for row in rules.RULE_TABLE:
        if row.calibration is None or row.calibration.stop_words:
            continue
        if row.kind is list:
            thresholds += [Threshold(row, n) for n, _ in row.default]
        else:
            thresholds.append(Threshold(row))
    return thresholds


def stop_words_threshold() -> Threshold:
    """min_stop_words: matched on the count of the language's own stop words, once they are chosen."""
    (row,) = [row for row in rules.RULE_TABLE if row.calibration is not None and row.calibration.stop_words]
    return Threshold(row)


def small_sample_keys() -> tuple[str, ...]:
    """What can be measured from a handful of documents (the rest needs a distribution's tail)."""
    return tuple(
        row.name for row in rules.RULE_TABLE if row.calibration is not None and row.calibration.small_sample
    )


def removed_share(values: np.ndarray, threshold: float, removes_above: bool) -> float:
    removed = values > threshold if removes_above else values < threshold
    return float(removed.mean()) if len(values) else 0.0


def tail_quantile(values: np.ndarray, share: float, removes_above: bool) -> float:
    """The threshold that removes `share` of `values` from the rule's side."""
    if removes_above:
        return float(np.quantile(values, 1.0 - share, method="higher"))
    return float(np.quantile(values, share, method="lower"))


def _spread(values: np.ndarray) -> float:
    low, high = np.quantile(values, SPREAD_QUANTILES)
    return float(high - low)


def match_threshold(
    reference: np.ndarray, reference_threshold: float, values: np.ndarray, rule: Threshold
) -> tuple[float | None, str]:
    """(threshold for `values`, how it was found); None when the data says nothing about this rule."""
    share = removed_share(reference, reference_threshold, rule.removes_above)
    ref_median, median = float(np.median(reference)), float(np.median(values))
    if rule.size_like and ref_median > 0 and median > 0:
        # same share under a change of unit, from the whole distribution rather than its tail
        return reference_threshold * median / ref_median, "ratio"
    if share >= MIN_MATCHED_SHARE and share * len(reference) >= MIN_MATCHED_DOCS:
        return tail_quantile(values, share, rule.removes_above), "share"
    threshold = None
    if not rule.size_like:
        ref_spread, spread = _spread(reference), _spread(values)
        if ref_spread > 0 and spread > 0:
            threshold, how = median + (reference_threshold - ref_median) * spread / ref_spread, "spread"
    if threshold is None:
        if rule.may_tighten:  # no spread to scale by: a unit-dependent rule keeps the reference
            return None, "no signal"
        # e.g. Thai lines never end in '.', English ones nearly always: the language's own extreme
        # (final_threshold never lets this end stricter than the reference)
        return tail_quantile(values, share, rule.removes_above), "share (no spread)"
    if removed_share(values, threshold, rule.removes_above) > share + EXTRAPOLATION_SLACK:
        return tail_quantile(values, share, rule.removes_above), "share (guarded)"
    return threshold, how


def loosen_to_keep(value: float, values: np.ndarray, max_removed: float, rule: Threshold) -> float:
    """`value`, loosened so that it removes at most `max_removed` of `values` (clean calibration text)."""
    if not len(values) or removed_share(values, value, rule.removes_above) <= max_removed:
        return value
    limit = tail_quantile(values, max_removed, rule.removes_above)
    return max(value, limit) if rule.removes_above else min(value, limit)


def final_threshold(value: float, reference_threshold: float, rule: Threshold) -> float | int:
    """Apply the rule's direction policy, clip to the metric's range, round towards keeping documents."""
    if not rule.may_tighten:
        value = max(value, reference_threshold) if rule.removes_above else min(value, reference_threshold)
    value = max(0.0, value)
    if rule.upper_bound is not None:
        value = min(rule.upper_bound, value)
    if rule.integer:
        return max(1, math.ceil(value) if rule.removes_above else math.floor(value))
    scaled = value * 1000
    return (math.ceil(scaled) if rule.removes_above else math.floor(scaled)) / 1000
