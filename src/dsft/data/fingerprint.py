"""What a data config reads, by content: the sha256 of every data file and split file.

The hashes go into summary.json (`data.files`), key the tokenized-data cache, and let
`rerun=<run>` refuse a run whose data changed since, naming the file. `hf:` sources are named
as they are (a hub dataset has no local file to hash).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from dsft.data.reading import DataError
from dsft.data.sources import FILE_TYPES

_CHUNK = 1 << 20
# (path, inode, size, mtime, ctime) -> sha256, so the jobs of one sweep hash each file once. The
# ctime changes on every write, and unlike the mtime it cannot be set back.
_known: dict[tuple, str] = {}


def data_files(cfg: dict[str, Any]) -> list[str]:
    """Every file the data config reads (sources and split files), in reading order."""
    files: list[str] = []
    paths = [s["path"] for s in cfg["sources"]] + list((cfg.get("split_files") or {}).values())
    for path in paths:
        if str(path).startswith("hf:"):
            files.append(str(path))
            continue
        source = Path(path).expanduser()
        if source.is_dir():  # the files read_source_rows reads (all of a saved dataset's)
            saved = any((source / n).exists() for n in ("dataset_info.json", "dataset_dict.json"))
            found = sorted(p for p in source.rglob("*") if p.is_file())
            files += [str(p) for p in found if saved or p.suffix in FILE_TYPES]
        else:
            files.append(str(source))
    return files


def file_sha256(path: str | Path) -> str:
    """The hex sha256 of a file's bytes."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        if key not in _known:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
            _known[key] = digest.hexdigest()
    except OSError as err:
        raise DataError(f"{path}: cannot read this data file ({err.strerror}).") from None
    return _known[key]


def fingerprint(cfg: dict[str, Any]) -> dict[str, str]:
    """file -> sha256 for every file the data config reads (`hf:` sources map to "hub"; a
    missing file is left out, for the reader to report)."""
    return {
        f: "hub" if f.startswith("hf:") else file_sha256(f)
        for f in data_files(cfg)
        if f.startswith("hf:") or Path(f).is_file()
    }


def changed_files(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    """The recorded files whose content differs now, or that are gone; then the new ones."""
    changed = [f for f, digest in recorded.items() if now.get(f) != digest]
    return changed + [f for f in now if f not in recorded]
