"""Model quality scoring: fastText classifiers, their training, and the CCI4.0-style percentile ensemble.

Modules: `text` (the one text normalisation used for training and prediction), `classifier`
(lazy fastText wrapper), `buckets` (percentile bucket edges and the ensemble score), `scorer` /
`edges` / `ensemble` (the datatrove steps of the `quality` block), `train` (training + held-out
metrics), `cli` (`curator quality train`). The shipped model's training data is built by
scripts/train_quality_model.py (scripts/devtools/quality_corpus.py), outside the package.
"""
