"""The deadline kind of the deadline benchmark, loaded into the benchmark's workers with
LADDER_EXTRA_APPS=benchmarks.clock_app: a clock breach in miniature."""
