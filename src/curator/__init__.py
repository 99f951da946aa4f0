"""curator: Common Crawl dumps to clean, deduplicated, quality-scored, rebalanced Parquet per language."""

__version__ = "0.1.0"
