"""Config schemas, their registration with Hydra, and validation before anything heavy loads."""

from dsft.config.errors import ConfigError
from dsft.config.store import register_configs
from dsft.config.validate import validate

__all__ = ["ConfigError", "register_configs", "validate"]
