"""Benchmarks, run by hand with ``make bench`` (``python -m benchmarks.run``). Nothing
here is a test: pytest's testpaths leave this folder out, and no file is named test_*.
They may import ``ladder``; ``ladder`` never imports them."""
