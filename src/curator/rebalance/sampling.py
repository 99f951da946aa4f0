"""Per-document repetitions: a fractional expected count rounded up or down by a hash of the id.

Rounding 1.4 to 1 for every document would lose 40% of the upsampling; rounding it up with
probability 0.4 keeps the expected token count the planner solved for. The coin is a hash of
(seed, document id), so a rerun (or a resumed task) gives every document the same count.
"""

from __future__ import annotations

import math

import xxhash

_HASH_RANGE = float(2**64)


def unit_hash(doc_id: str, seed: int = 0) -> float:
    """A uniform number in [0, 1) fixed by the document id and the seed."""
    return xxhash.xxh64_intdigest(str(doc_id), seed=seed & 0xFFFFFFFFFFFFFFFF) / _HASH_RANGE


def repetitions(expected: float, cap: int, doc_id: str, seed: int = 0) -> int:
    """How many times the document goes into the mix: expected count capped, rounded by the id's hash."""
    x = min(float(cap), max(0.0, expected))
    whole = math.floor(x)
    return int(whole + (1 if unit_hash(doc_id, seed) < x - whole else 0))
