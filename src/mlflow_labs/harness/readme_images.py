"""A README's screenshots, regenerated from a harness run: which images the README shows, and copying
exactly those from the run's screenshot folder into the lab folder (each lab's `images.py` runs the lab)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable

from mlflow_labs.errors import LabError

IMAGE_REF = re.compile(r"!\[[^\]]*\]\((images/[^)\s]+)\)")


def referenced_images(readme: Path) -> list[str]:
    return IMAGE_REF.findall(readme.read_text())


def install_screenshots(readme: Path, shots: Path, save: Callable[[Path, Path], object] = shutil.copyfile) -> list[Path]:
    """Copy (with ``save``) each image ``readme`` shows from ``shots`` to its place beside the README.
    Checks every one was taken before copying any, so a partial run changes nothing."""
    refs = referenced_images(readme)
    missing = [Path(ref).name for ref in refs if not (shots / Path(ref).name).is_file()]
    if missing:
        raise LabError(f"the run took no screenshot {', '.join(missing)}, which {readme} shows; README images "
                       f"left unchanged (screenshots in {shots})")
    written = []
    for ref in refs:
        dest = readme.parent / ref
        dest.parent.mkdir(parents=True, exist_ok=True)
        save(shots / Path(ref).name, dest)
        written.append(dest)
    return written
