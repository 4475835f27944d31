"""Turning the adapter config into a peft config and a wrapped model."""
