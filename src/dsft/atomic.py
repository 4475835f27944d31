"""Writing files and folders so that a crash never leaves half of one: write aside, then rename."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(target: str | Path, directory: bool = False) -> Iterator[Path]:
    """Yield a temp path beside `target`; on success it is renamed onto `target`.

    With `directory=True` the temp path is an empty folder (for `save_pretrained`); otherwise a
    file name to write. On failure the temp path is removed and `target` is left as it was. A
    folder never replaces an existing non-empty one (the rename raises OSError): what is there
    stays, e.g. the copy another job wrote first.
    """
    target = Path(target)
    if directory:
        staging = staging_dir(target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(fd)
        staging = Path(name)
        staging.chmod(0o666 & ~_umask())  # mkstemp makes it owner-only; as open() would
    try:
        yield staging
        os.replace(staging, target)
    finally:
        if staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
        elif staging.exists():
            staging.unlink()


def staging_dir(target: str | Path) -> Path:
    """A new empty folder beside `target` (hidden, unique) with the mode mkdir() would give."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it owner-only
    return staging


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json_atomic(path: str | Path, data: dict[str, Any]) -> None:
    """Write JSON (sorted keys, indented) through a temp file and a rename."""
    with atomic_path(path) as partial:
        partial.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
