"""What `dsft export` refuses before it loads anything, and exports that failed their check."""


class ExportError(ValueError):
    """A request that cannot be exported; the message says why and what to do."""


class ExportFailed(RuntimeError):
    """One or more exports were written but failed their parity check (kept as <format>.failed)."""
