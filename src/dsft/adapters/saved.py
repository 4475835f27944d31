"""What an earlier run saved, described for a later run that starts from it (`init_from`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class SavedResult:
    """A saved adapter or model dir, and what is known about the run that made it.

    For a stage not trained yet, `path` does not exist yet and the rest comes from that stage's
    config; for an existing dir it is read from its files.
    """

    path: Path
    method: str | None = None  # the dsft method that saved it, when known
    adapter: dict[str, Any] | None = None  # that run's adapter config, when known
    peft_type: str | None = None  # LORA, ADALORA, ... from adapter_config.json; None: a model

    @classmethod
    def read(cls, path: str | Path) -> SavedResult | None:
        """Describe an existing dir (None when it holds no adapter and no model)."""
        path = Path(path).expanduser()
        adapter_config = path / "adapter_config.json"
        if adapter_config.is_file():
            peft_type = json.loads(adapter_config.read_text()).get("peft_type")
        elif (path / "config.json").is_file():
            peft_type = None
        else:
            return None
        run_config = path.parent / "config.yaml"  # a dsft run dir holds its resolved config
        adapter = None
        if run_config.is_file():
            loaded = yaml.safe_load(run_config.read_text())
            adapter = loaded.get("adapter") if isinstance(loaded, dict) else None
        method = adapter.get("method") if isinstance(adapter, dict) else None
        return cls(path, method, adapter if isinstance(adapter, dict) else None, peft_type)

    def peft_config(self) -> dict[str, Any]:
        """The saved adapter_config.json ({} when it does not exist yet)."""
        file = self.path / "adapter_config.json"
        return json.loads(file.read_text()) if file.is_file() else {}

    def describe(self) -> str:
        what = f"adapter={self.method}" if self.method else (self.peft_type or "a model")
        return f"{self.path} ({what})"
