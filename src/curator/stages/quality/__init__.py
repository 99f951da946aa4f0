"""Model quality scoring: fastText classifiers, their training, and the CCI4.0-style percentile ensemble.

Modules: `text` (the one text normalisation used for training and prediction), `classifier`
(lazy fastText wrapper), `buckets` (percentile bucket edges and the ensemble score), `scorer` /
`edges` / `ensemble` (the datatrove steps of the `quality` block), `train` (training + held-out
metrics), `corpus` (the training data of the shipped model), `cli` (`curator quality train`).
"""
