"""Benchmarks that print figures; run them by hand, they are not part of the test suite."""
