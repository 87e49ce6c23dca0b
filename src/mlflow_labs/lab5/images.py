"""Regenerate the lab 5 README's screenshots: run the whole lab, copy the ones the README shows.

    python -m mlflow_labs.lab5.images

Only images the README references are copied (the test in tests/unit checks every reference exists).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from mlflow_labs.errors import LabError
from mlflow_labs.harness.readme_images import install_screenshots
from mlflow_labs.lab5 import SPEC


def save_small(src: Path, dest: Path) -> None:
    """UI screenshots have few colours: a 256-colour palette keeps them readable at a fraction of the size."""
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with mlflow's matplotlib; without it, copy as is
        shutil.copyfile(src, dest)
        return
    with Image.open(src) as im:
        im.convert("RGB").quantize(colors=256).save(dest, optimize=True)


def main() -> int:
    from mlflow_labs.lab5 import scenario
    lab = SPEC
    shots = Path(tempfile.mkdtemp(prefix="lab5-shots-"))
    report = scenario.run(progress=lambda m: print(f"  .. {m}", file=sys.stderr), shots=shots)
    print(report.table())
    if not report.ok:
        print(f"the lab failed; README images left unchanged (screenshots in {shots})", file=sys.stderr)
        return 1
    try:
        written = install_screenshots(lab.readme, shots, save=save_small)
    except LabError as exc:
        print(exc, file=sys.stderr)
        return 1
    for dest in written:
        print(f"updated {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
