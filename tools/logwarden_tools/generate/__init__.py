"""Synthetic order-system traffic for the demo, the benchmarks and the tests: deterministic for a seed."""
