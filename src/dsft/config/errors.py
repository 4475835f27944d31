"""The one error type a user sees for a bad experiment config."""


class ConfigError(ValueError):
    """A config value is wrong; the message names the key (or file) and what to do."""

    def __init__(self, key: str, message: str):
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")
