"""Loggers and run records (summary.json)."""
