"""Regenerate the lab 7 README's screenshots from a whole harness run:

    python -m mlflow_labs.lab7.images

Only images the README references are copied (tests/unit/test_lab7_readme_images.py checks each exists).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from mlflow_labs.errors import LabError
from mlflow_labs.harness.readme_images import install_screenshots
from mlflow_labs.lab7 import SPEC


def main() -> int:
    from mlflow_labs.lab7 import scenario
    lab = SPEC
    shots = Path(tempfile.mkdtemp(prefix="lab7-shots-"))
    report = scenario.run(progress=lambda m: print(f"  .. {m}", file=sys.stderr), shots=shots)
    if report.error:
        print(f"lab 7 failed, README images not updated: {report.error}", file=sys.stderr)
        return 1
    try:
        written = install_screenshots(lab.readme, shots)
    except LabError as exc:
        print(exc, file=sys.stderr)
        return 1
    for dest in written:
        print(f"{dest} ({dest.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
