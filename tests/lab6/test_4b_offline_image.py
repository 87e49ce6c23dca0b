"""The Host-header phase's image on a machine without a registry: the documented image when it is here, else
its offline build when `scripts/build-offline-images` made one (said), else the one-paragraph error naming both
ways out. Real Docker: a tiny image built FROM scratch stands in for the offline build (nothing is pulled)."""

from __future__ import annotations

import io
import uuid

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.infra import docker_engine

pytestmark = pytest.mark.lab6


@pytest.fixture
def offline_build():
    c = docker_engine.client()
    tag = f"mlflow-labs-test/offline-build:{uuid.uuid4().hex[:8]}"
    c.images.build(fileobj=io.BytesIO(b"FROM scratch\nLABEL purpose=mlflow-labs-test\n"), tag=tag, rm=True)
    try:
        yield c, tag
    finally:
        c.images.remove(tag, force=True)
        c.close()


def test_an_absent_image_falls_back_to_its_offline_build_and_says_so(offline_build):
    c, offline = offline_build
    absent = f"mlflow-labs-test/absent:{uuid.uuid4().hex[:8]}"   # on no registry: the pull fails
    said = []
    assert docker_engine.image_or_its_offline_build(absent, offline, c, said.append) == offline
    assert said and absent in said[0] and offline in said[0], said
    assert docker_engine.image_or_its_offline_build(offline, "mlflow-labs-test/other:0", c, said.append) == offline


def test_without_the_image_or_its_offline_build_the_error_names_both_ways_out(offline_build):
    c, _ = offline_build
    absent = f"mlflow-labs-test/absent:{uuid.uuid4().hex[:8]}"
    with pytest.raises(PrerequisiteMissing) as err:
        docker_engine.image_or_its_offline_build(absent, f"{absent}-offline", c, lambda m: None)
    text = str(err.value)
    assert f"The container image {absent} is not on this machine" in text
    assert "scripts/build-offline-images" in text and f"docker pull {absent}" in text
