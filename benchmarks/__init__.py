"""Speed and quality benchmarks, run on demand with `make bench` (not part of the tests)."""
