"""dsft: declarative parameter-efficient fine-tuning of DeepSeek models."""

__version__ = "0.1.0"
