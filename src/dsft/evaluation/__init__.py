"""Evaluating a finished run: perplexity, multiple choice, latency and memory, from config."""
