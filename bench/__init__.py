"""Benchmarks that print their figures (`make bench`); targets are recorded in the README, never asserted in tests."""
