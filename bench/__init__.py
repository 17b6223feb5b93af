"""Benchmarks for mpsbot: answer quality, speed and scale, written to docs/benchmarks.md.

Run ``make bench`` (``python -m bench.run``). Every run builds its own indexes in a
temporary data directory and never touches ./data.
"""
