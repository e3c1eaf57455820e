"""Support shared by the tests and the benchmarks (bench/ never imports tests/); the product never imports it."""
