"""Building and loading base models and tokenizers, chat templates, architecture facts."""
