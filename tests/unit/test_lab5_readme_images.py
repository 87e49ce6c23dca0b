"""Lab 5's README shows the harness's screenshots: every image it references must be committed, and be one
of the screenshots the checks take (named as one, the browser viewport's size, not a blank page). That the
checks take each of them is asserted where they run (tests/lab5/test_near_misses.py, the correct state)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from mlflow_labs.harness.readme_images import referenced_images
from mlflow_labs.lab5.browser import VIEWPORT
from mlflow_labs.lab5.checks import SCREENSHOTS
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.unit

PNG = b"\x89PNG\r\n\x1a\n"
# a 1440x900 screenshot of a blank page compresses to a few KB; the UI's pages (palette PNGs) are 25-50 KB
MIN_BYTES = 10_000


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR chunk, which the format puts first."""
    assert data[:8] == PNG and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def problems(path: Path) -> list[str]:
    """Why the image at ``path`` is not one of the harness's screenshots (empty: it is)."""
    data = path.read_bytes()
    if data[:8] != PNG:
        return [f"{path.name} is not a PNG"]
    out = []
    if path.stem not in SCREENSHOTS:
        out.append(f"{path.name} is not a screenshot the lab 5 checks take ({', '.join(SCREENSHOTS)})")
    if png_size(data) != (VIEWPORT["width"], VIEWPORT["height"]):
        out.append(f"{path.name} is {png_size(data)}, not the checks' browser viewport "
                   f"{(VIEWPORT['width'], VIEWPORT['height'])}")
    if len(data) < MIN_BYTES:
        out.append(f"{path.name} is {len(data)} bytes: a blank page, not a view of the UI")
    return out


def test_readme_references_images():
    assert len(referenced_images(get_lab("lab5").readme)) >= 5


@pytest.mark.parametrize("ref", referenced_images(get_lab("lab5").readme))
def test_readme_image_is_one_of_the_harness_screenshots(ref):
    path = get_lab("lab5").dir / ref
    assert path.is_file(), f"README points to {ref}, which is missing: run `mlflow-labs images lab5`"
    assert not problems(path), f"{'; '.join(problems(path))}: regenerate with `mlflow-labs images lab5`"


def test_an_image_not_from_the_harness_is_named(tmp_path):
    """The rule's own failure cases: a hand-made picture, a cropped or resized shot, a blank page."""
    real = get_lab("lab5").dir / "images" / "04-compare.png"
    (tmp_path / "diagram.png").write_bytes(real.read_bytes())
    assert "not a screenshot the lab 5 checks take" in problems(tmp_path / "diagram.png")[0]
    data = bytearray(real.read_bytes())
    data[16:24] = struct.pack(">II", 800, 600)
    (tmp_path / "04-compare.png").write_bytes(bytes(data))
    assert "not the checks' browser viewport" in problems(tmp_path / "04-compare.png")[0]
    (tmp_path / "06-box.png").write_bytes(bytes(real.read_bytes()[:33]) + b"\0" * 100)
    assert "a blank page" in problems(tmp_path / "06-box.png")[0]
    (tmp_path / "05-scatter.png").write_bytes(b"GIF89a")
    assert problems(tmp_path / "05-scatter.png") == ["05-scatter.png is not a PNG"]


def test_reference_finder_sees_a_missing_image(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("text\n![shown](images/not-there.png)\n")
    assert referenced_images(readme) == ["images/not-there.png"]
    assert not (tmp_path / "images/not-there.png").exists()
