"""Exact + MinHash near-duplicate removal, as four datatrove steps the `dedup` block chains.

1. `sign.DedupSignatures` (document job): per document, a 128-bit key of its whitespace-normalised
   text and the MinHash band keys of its word n-grams, written per task and band, sorted.
2. `buckets.DedupBuckets` (barrier, one task per band and hash range): equal keys -> matches.
3. `clusters.DedupClusters` (barrier, one task): connected components of all matches; the first
   document of each cluster (smallest task, then position) is kept.
4. `filter.DedupFilter` (next document job): removes the others, with the id of the kept one, and
   writes `minhash_cluster_size` on every kept document.
Side files live in OUTPUT/stages/<stage>/ (`files.DedupFiles`), each written atomically.
"""
