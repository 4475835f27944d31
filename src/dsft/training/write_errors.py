"""When a run cannot write its files (a full disk, a dir made read-only): what to tell the user,
and where the run record goes instead."""

from __future__ import annotations

import errno
import resource
import shutil
import tempfile
from pathlib import Path

NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


class CheckpointWriteError(OSError):
    """A checkpoint could not be written; the message says where, why and what to do."""

    def __str__(self) -> str:
        return str(self.strerror)


def checkpoint_failure(err: Exception, path: Path, written: int) -> CheckpointWriteError:
    """The error for a failed checkpoint save of `path`, after `written` bytes of it.

    torch.save reports a full disk as "enforce fail at inline_container.cc", so the cause is
    read from the disk (free space, the file size limit) rather than from the error.
    """
    folder = path.parent
    code = getattr(err, "errno", None)
    if code in NOT_WRITABLE:
        why = f"{folder} is not writable ({err.strerror})"
        todo = "make it writable again"
    else:
        why = f"{_room(folder)}; {written / 2**20:.1f} MiB of it were written"
        todo = "free space on that disk (or send runs to a bigger one with hydra.run.dir=...)"
    return CheckpointWriteError(
        code or errno.EIO,
        f"cannot write the checkpoint {path}: {why}. The partial file was removed and the "
        f"previous checkpoint (if any) is intact: {todo}, then resume=<this run dir> "
        f"(or set train.save_every_n_steps=0 to train without checkpoints). "
        f"[{type(err).__name__}: {err}]",
    )


def _room(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "the disk is full or gone"
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY:
        return f"files may not exceed {limit / 2**20:.1f} MiB here (ulimit -f)"
    return f"the disk is full or nearly ({free / 2**20:.1f} MiB free on it)"


def fallback_record(run_dir: Path) -> Path:
    """Where the run record goes when the run dir cannot take it."""
    import hashlib

    tag = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()[:8]
    return Path(tempfile.gettempdir()) / "dsft-records" / f"{run_dir.name}-{tag}.summary.json"
