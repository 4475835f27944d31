"""When things started: the process (the command a user ran) and the current job."""

from __future__ import annotations

import os
import time
from pathlib import Path

_first_job = True


def process_start_time() -> float:
    """Wall-clock time this process started, from /proc where available."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.time() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.time() - time.process_time()


def job_start_time() -> float:
    """When this job started: the process's start for the first job (the command a user
    typed), the call's time for later jobs of a multirun or stages in the same process."""
    global _first_job
    if _first_job:
        _first_job = False
        return process_start_time()
    return time.time()
