"""A README's screenshots, regenerated from a harness run (`mlflow-labs images LAB`, for a lab whose spec says
it has them): the whole lab runs, then exactly the images the README shows are copied from the run's
screenshot folder into the lab folder, each made small (a palette: UI screenshots have few colours).
Only images the README references are copied (tests/unit checks every reference exists)."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
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


def save_small(src: Path, dest: Path) -> None:
    """UI screenshots have few colours: a 256-colour palette keeps them readable at a fraction of the size."""
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with mlflow's matplotlib; without it, copy as is
        shutil.copyfile(src, dest)
        return
    with Image.open(src) as im:
        im.convert("RGB").quantize(colors=256).save(dest, optimize=True)


def regenerate(spec, progress=lambda m: print(f"  .. {m}", file=sys.stderr)) -> int:
    """Run the lab of ``spec`` (a LabSpec with screenshots) and install the README's images; an exit status."""
    shots = Path(tempfile.mkdtemp(prefix=f"{spec.name}-shots-"))
    report = spec.run(progress=progress, shots=shots)
    if not report.ok:
        print(report.table())
        print(f"{spec.name} failed; README images left unchanged (screenshots in {shots})", file=sys.stderr)
        return 1
    try:
        written = install_screenshots(spec.readme, shots, save=save_small)
    except LabError as exc:
        print(exc, file=sys.stderr)
        return 1
    for dest in written:
        print(f"updated {dest} ({dest.stat().st_size // 1024} KiB)")
    return 0
