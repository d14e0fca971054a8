"""Benchmarks of indexing and search at growing corpus sizes, beside the bare libraries: ``python -m bench``."""
