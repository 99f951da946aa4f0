"""Signatures equal datatrove's bit for bit; Jaccard estimates equal datasketch's on real pairs."""

import random

import numpy as np
import xxhash
from datasketch import MinHash
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature

from curator.stages.dedup.minhash import MinhashScheme, signatures
from curator.stages.dedup.shingles import Shingler


def edited(text: str, fraction: float, seed: int) -> str:
    """Replace a fraction of the words (a near-duplicate of controlled similarity)."""
    rng = random.Random(seed)
    words = text.split()
    for i in rng.sample(range(len(words)), int(len(words) * fraction)):
        words[i] = f"edit{rng.randrange(10**6)}"
    return " ".join(words)


def test_signatures_equal_datatrove(articles, tmp_path):
    texts = articles[:40]
    reference = MinhashDedupSignature(
        str(tmp_path), config=MinhashConfig(num_buckets=14, hashes_per_bucket=8)
    )
    shingler = Shingler("eng_Latn")
    ours = signatures([shingler.hashes(t) for t in texts], MinhashScheme(bands=14, rows=8))
    for text, row in zip(texts, ours, strict=True):
        expected = np.array(reference.get_signature(reference.get_shingles(text))).ravel()
        np.testing.assert_array_equal(row, expected)


def test_batched_signatures_equal_one_by_one(articles):
    """Documents of very different lengths share and straddle the numpy steps of a batch."""
    shingler = Shingler("eng_Latn")
    scheme = MinhashScheme(bands=4, rows=5, seed=7)
    hashes = [shingler.hashes(t) for t in articles[:30]] + [shingler.hashes("one two three four five six")]
    batch = signatures(hashes, scheme)
    for h, row in zip(hashes, batch, strict=True):
        np.testing.assert_array_equal(row, signatures([h], scheme)[0])


def datasketch_minhash(shingler: Shingler, scheme: MinhashScheme, text: str, stock: bool) -> MinHash:
    """datasketch's per-document update loop over the same shingles. stock=False uses datasketch's
    `legacy` scheme with datatrove's permutations and 64-bit values (datasketch truncates to 32)."""
    if stock:
        m = MinHash(num_perm=scheme.num_hashes, hashfunc=xxhash.xxh32_intdigest)
    else:
        m = MinHash(
            scheme="legacy",
            hashfunc=xxhash.xxh64_intdigest,
            permutations=scheme.permutations,
            hashvalues=np.full(scheme.num_hashes, np.iinfo(np.uint64).max, dtype=np.uint64),
        )
    tokens = shingler.tokens(text)
    for i in range(len(tokens) - shingler.n_grams + 1):
        m.update(" ".join(tokens[i : i + shingler.n_grams]))
    return m


def real_pairs(articles):
    """Each article against a copy with 1-20% of its words replaced (Jaccard from ~0.9 down to ~0.3)."""
    return [
        (text, edited(text, [0.01, 0.03, 0.08, 0.2][i % 4], seed=i)) for i, text in enumerate(articles[:16])
    ]


def test_jaccard_estimates_equal_datasketch_update_loop(articles, monkeypatch):
    import datasketch.minhash

    monkeypatch.setattr(
        datasketch.minhash, "_max_hash", np.uint64(2**64 - 1)
    )  # keep all 64 bits, as datatrove
    shingler, scheme = Shingler("eng_Latn"), MinhashScheme()
    estimates = []
    for text, other in real_pairs(articles):
        ours = signatures([shingler.hashes(text), shingler.hashes(other)], scheme)
        theirs = [datasketch_minhash(shingler, scheme, t, stock=False) for t in (text, other)]
        np.testing.assert_array_equal(ours[0], theirs[0].hashvalues)
        assert float(np.mean(ours[0] == ours[1])) == theirs[0].jaccard(theirs[1])
        estimates.append(float(np.mean(ours[0] == ours[1])))
    assert min(estimates) < 0.6 and max(estimates) > 0.85  # the pairs span the interesting range


def test_jaccard_estimates_agree_with_stock_datasketch(articles):
    """Stock datasketch (own permutations, 32-bit values) estimates the same Jaccard within MinHash noise."""
    shingler, scheme = Shingler("eng_Latn"), MinhashScheme()
    differences = []
    for text, other in real_pairs(articles):
        a, b = set(shingler.hashes(text).tolist()), set(shingler.hashes(other).tolist())
        true_jaccard = len(a & b) / len(a | b)
        ours = signatures([shingler.hashes(text), shingler.hashes(other)], scheme)
        our_estimate = float(np.mean(ours[0] == ours[1]))
        stock = [datasketch_minhash(shingler, scheme, t, stock=True) for t in (text, other)]
        their_estimate = stock[0].jaccard(stock[1])
        sigma = max((true_jaccard * (1 - true_jaccard) / scheme.num_hashes) ** 0.5, 0.01)
        assert abs(our_estimate - true_jaccard) <= 4 * sigma
        assert abs(their_estimate - true_jaccard) <= 4 * sigma
        differences.append(abs(our_estimate - their_estimate))
    assert np.mean(differences) < 0.05
