"""Train a LoRA / QLoRA adapter on DeepSeek: `python train.py [group=option] [key=value]`.

The same app as an installed `dsft train` (dsft.app), over this checkout's conf/, data/ and
sweeps/, with outputs under this folder's outputs/ wherever you run it from.
"""

import os

os.environ.setdefault("DSFT_ROOT", os.path.dirname(os.path.abspath(__file__)))

from dsft.app import main  # noqa: E402

if __name__ == "__main__":
    main()
