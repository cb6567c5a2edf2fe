"""Benchmarks that print figures; run them directly, e.g. `python bench/ingest.py`."""
