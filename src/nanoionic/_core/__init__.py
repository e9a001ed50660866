"""Lowest layer: SI constants, unit parsing, the error types and input validation."""
