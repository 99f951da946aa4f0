"""Per-document repetitions: fractional expected counts turned into whole ones without losing mass.

Rounding 1.4 to 1 for every document would lose 40% of the upsampling, and an independent coin
per document makes small languages swing far from the plan (one long document more or less).
Error diffusion in token units instead: each document gets floor(x) or ceil(x) repetitions, and
the extra one is given when the tokens owed to the language so far (expected minus given) reach
the document's size. A task's total then stays within about one document of the plan. The phase
comes from a hash of (seed, language, task), so a rerun or resumed task repeats the same choices.
"""

from __future__ import annotations

import math

import xxhash

_HASH_RANGE = float(2**64)


def unit_hash(key: str, seed: int = 0) -> float:
    """A uniform number in [0, 1) fixed by the key and the seed."""
    return xxhash.xxh64_intdigest(key, seed=seed & 0xFFFFFFFFFFFFFFFF) / _HASH_RANGE


class SystematicRounder:
    """Whole repetitions for a stream of (expected count, size) pairs: capped, totals kept."""

    def __init__(self, cap: int, key: str, seed: int = 0):
        self.cap = cap
        self.phase = unit_hash(key, seed)
        self.owed = 0.0  # tokens expected but not yet given

    def __call__(self, expected: float, size: float = 1.0) -> int:
        x = min(float(self.cap), max(0.0, expected))
        whole = math.floor(x)
        fraction = x - whole
        if fraction <= 0:
            return whole
        self.owed += fraction * size
        if self.owed >= (1.0 - self.phase) * size:
            self.owed -= size
            return whole + 1
        return whole
