"""Packs dsft's config tree, sweep presets and bundled data into the wheel (pyproject.toml holds
everything else): conf/, sweeps/ and data/ are copied to dsft/_bundled/, where an installed
`dsft train` finds them (dsft.bundle). A checkout and an editable install read them in place."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("conf", "sweeps", "data")
# Per-machine settings (conf/local/*.yaml) are git-ignored and never shipped; the example is.
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc")


class BuildWithBundle(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "dsft" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)
        for name in BUNDLED:
            shutil.copytree(HERE / name, target / name, ignore=SKIPPED)
        for local in (target / "conf" / "local").glob("*.yaml"):
            if local.name != "example.yaml":
                local.unlink()


setup(cmdclass={"build_py": BuildWithBundle})
