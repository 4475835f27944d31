"""Config schemas (`schema`), their registration with Hydra (`store.register_configs`) and
validation before anything heavy loads (`validate.validate`). Only the error type is imported
here, so that every layer can raise it without pulling in the rest."""

from dsft.config.errors import ConfigError

__all__ = ["ConfigError"]
