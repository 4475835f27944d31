"""Closed choices as Enums whose members are the strings users write, so a config with a value
outside them fails when Hydra composes it (naming the key and the allowed values)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Choice(str, Enum):
    """A str Enum member compares, formats and serialises as its value (`"bf16-mixed"`)."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


def choices(name: str, values: Iterable[str], module: str) -> type[Choice]:
    """An Enum of `values`, each member named by its own value (names may contain '-'). Assign
    it to `name` in `module`, so that pickle finds it there."""
    return Choice(name, {value: value for value in values}, module=module)
