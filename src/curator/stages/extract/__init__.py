"""HTML → main text engines. Each engine is a function `extract(html: str) -> str`."""
