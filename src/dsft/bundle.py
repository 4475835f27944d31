"""Where dsft's own files are: the config tree (`conf/`), the sweep presets (`sweeps/`) and the
bundled example data (`data/`).

In a git checkout they sit at the top of the repo. A built wheel carries a copy of them inside the
package, as `dsft/_bundled/` (setup.py puts it there), so an installed `dsft train` needs no
checkout. Outputs never go here: see `work_dir`.
"""

from __future__ import annotations

import os
from pathlib import Path

BUNDLED = "_bundled"  # the folder inside the installed package


class BundleError(RuntimeError):
    """dsft's config tree cannot be found."""


def root() -> Path:
    """The folder holding conf/, sweeps/ and data/: $DSFT_ROOT when set (train.py sets it to its
    own folder), else the copy inside the installed package, else the checkout this package was
    imported from (an editable install)."""
    if os.environ.get("DSFT_ROOT"):
        return Path(os.environ["DSFT_ROOT"])
    package = Path(__file__).resolve().parent
    for candidate in (package / BUNDLED, package.parents[1]):
        if (candidate / "conf" / "train.yaml").is_file():
            return candidate
    raise BundleError(
        f"dsft's config tree (conf/train.yaml) is neither in the installed package "
        f"({package / BUNDLED}) nor in a checkout around it: reinstall dsft from a wheel or a "
        "git checkout, or set DSFT_ROOT to a folder holding conf/."
    )


def conf_dir() -> Path:
    """The packaged config tree (a user's own groups come on top with `--config-dir`)."""
    return root() / "conf"


def work_dir() -> str:
    """Where outputs/ goes: $DSFT_WORK_DIR, else $DSFT_ROOT (the repo, for `python train.py`),
    else the current directory (an installed `dsft train`)."""
    return os.environ.get("DSFT_WORK_DIR") or os.environ.get("DSFT_ROOT") or os.getcwd()
