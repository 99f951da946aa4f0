"""Rebalancing: rehydration by duplicate-cluster size and quality, then language mixing under a
repetition cap. The stage is `blocks/rebalance.py`; the method and its knobs: docs/rebalance.md."""
