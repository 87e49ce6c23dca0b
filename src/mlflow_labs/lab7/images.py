"""Regenerate the lab 7 README's screenshots from a whole harness run:

    python -m mlflow_labs.lab7.images

Only images the README references are copied (tests/unit/test_lab7_readme_images.py checks each exists).
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from mlflow_labs.labs import get_lab

IMAGE_REF = re.compile(r"!\[[^\]]*\]\((images/[^)\s]+)\)")


def referenced_images(readme: Path) -> list[str]:
    return IMAGE_REF.findall(readme.read_text())


def main() -> int:
    from mlflow_labs.lab7 import scenario
    lab = get_lab("lab7")
    shots = Path(tempfile.mkdtemp(prefix="lab7-shots-"))
    report = scenario.run(progress=lambda m: print(f"  .. {m}", file=sys.stderr), shots=shots)
    if report.error:
        print(f"lab 7 failed, README images not updated: {report.error}", file=sys.stderr)
        return 1
    for ref in referenced_images(lab.readme):
        src = shots / Path(ref).name
        if not src.is_file():
            print(f"the run took no screenshot {src.name}, which the README shows", file=sys.stderr)
            return 1
        dest = lab.dir / ref
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        print(f"{dest} ({dest.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
