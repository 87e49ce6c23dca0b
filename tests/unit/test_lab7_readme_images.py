"""Every screenshot the lab 7 README shows exists (they come from a harness run: mlflow-labs images lab7)."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.readme_images import referenced_images
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.unit


def test_every_referenced_image_exists_and_is_a_png():
    lab = get_lab("lab7")
    refs = referenced_images(lab.readme)
    assert len(refs) == 3
    for ref in refs:
        data = (lab.dir / ref).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", ref
