"""Full fine-tuning: every weight trains (small models only: AdamW keeps ~16 bytes per
parameter). Saved as a complete model in <run>/model, like freeze."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from dsft.adapters.method import AdapterSchema
from dsft.adapters.methods.freeze import OwnWeights
from dsft.adapters.registry import register_method


@dataclass
class FullSchema(AdapterSchema):
    method: str = "full"


@register_method
class Full(OwnWeights):
    """Train every weight."""

    name = "full"
    schema: ClassVar[type[AdapterSchema]] = FullSchema

    def trained_modules(self, model) -> tuple[list, str]:
        return [model], "every weight (full fine-tuning)"
