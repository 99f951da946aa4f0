"""Code the developer tools and the tests share, kept out of the shipped package.

- `shared`: where ../shared/data and the lid.176 model are (one answer each);
- `measure`: CPU seconds, wall seconds and peak memory, measured one way;
- gold sets, evaluation pages and corpus builders: `extract_gold` (html-gold pages and their
  scores), `lid_eval` (LID page test sets), `filter_samples` (real documents for the filters'
  agreement tests and benchmark), `quality_corpus` (the quality model's training data),
  `calibration_corpus` (calibration text for the bundled profiles), `make_labels` (regenerates
  curator/text/data/*.tsv: `python -m scripts.devtools.make_labels`).
"""
