"""The adapter methods that exist: every module in `dsft.adapters.methods` registers its own."""

from __future__ import annotations

import importlib
import pkgutil

from dsft.adapters.method import AdapterMethod
from dsft.config.errors import ConfigError

_METHODS: dict[str, type[AdapterMethod]] = {}
_DISCOVERED = False


def register_method(cls: type[AdapterMethod]) -> type[AdapterMethod]:
    """Class decorator: make `adapter.method=<cls.name>` mean this method."""
    existing = _METHODS.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"adapter method {cls.name!r} is registered twice: {existing}, {cls}")
    _METHODS[cls.name] = cls
    return cls


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    from dsft.adapters import methods

    for info in pkgutil.iter_modules(methods.__path__):
        importlib.import_module(f"{methods.__name__}.{info.name}")


def methods() -> dict[str, type[AdapterMethod]]:
    """Method name -> class, for every registered method."""
    _discover()
    return dict(_METHODS)


def method_class(name: str, key: str = "adapter.method") -> type[AdapterMethod]:
    """The class registered as `name`; a `ConfigError` listing the known ones otherwise."""
    known = methods()
    if name not in known:
        raise ConfigError(key, f"unknown method {name!r}; known: {', '.join(sorted(known))}.")
    return known[name]


def build_method(adapter: dict, model: dict) -> AdapterMethod:
    """The method instance for a run's plain adapter and model configs."""
    return method_class(adapter["method"])(adapter, model)
