"""Lab 5's README shows the harness's screenshots: every image it references must be committed."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.readme_images import referenced_images
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.unit


def test_readme_references_images():
    assert len(referenced_images(get_lab("lab5").readme)) >= 5


@pytest.mark.parametrize("ref", referenced_images(get_lab("lab5").readme))
def test_readme_image_exists_and_is_a_png(ref):
    path = get_lab("lab5").dir / ref
    assert path.is_file(), f"README points to {ref}, which is missing: run `python -m mlflow_labs.lab5.images`"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{ref} is not a PNG"


def test_reference_finder_sees_a_missing_image(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("text\n![shown](images/not-there.png)\n")
    assert referenced_images(readme) == ["images/not-there.png"]
    assert not (tmp_path / "images/not-there.png").exists()
