"""Benchmarks: `make bench`, or `python -m bench [name ...]` from the repository root."""
