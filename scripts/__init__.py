"""Developer tools beside the package: benchmarks (bench/), evaluations (eval/), data and model builders.

Nothing here ships in the wheel. Shared code lives in `scripts.devtools`; a script run as a file
(`python scripts/bench/e2e.py`) puts the repository on sys.path first, so `import scripts.devtools` works.
"""
