"""Benchmarks of the ICCT26 server (`make bench` runs `bench/run.py`; see docs/PERFORMANCE.md)."""
