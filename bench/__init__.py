"""Benchmarks that print figures, e.g. `python bench/soak.py` or `python -m bench.ingest`."""
