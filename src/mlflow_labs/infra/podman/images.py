"""Images for podman without a registry: the local Docker engine's offline images, copied into podman's
store once (`docker save`, then `podman load`), and the chart's dbchecker init image built offline."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.harness.tools import run_tool
from mlflow_labs.infra.podman.command import podman

# the dbchecker init container's image (busybox:1.38.0 in the chart) built without a registry:
# Debian's dynamic busybox as /bin/sh (ash accepts the script's `[[` and `function`) plus
# netcat-openbsd (busybox-static's own nc applet lacks -z)
DBCHECKER_IMAGE = "mlflow-labs/dbchecker:1"
DBCHECKER_DOCKERFILE = """\
ARG BASE
FROM ${BASE}
RUN apt-get update -qq && apt-get install -y -qq busybox netcat-openbsd >/dev/null \\
 && ln -sf /bin/busybox /bin/sh && rm -rf /var/lib/apt/lists/*
"""


def kubernetes_name(image: str) -> str:
    """The image Kubernetes means by ``image``: a short name is Docker Hub's (`busybox:1.38.0` is
    docker.io/library/busybox:1.38.0, `burakince/mlflow:TAG` is docker.io/burakince/mlflow:TAG).
    Podman would instead look a short name up in its local store first (where localhost/x wins over
    docker.io/x) and then ask registries.conf, which on Debian lists no registry: "short-name ... did not
    resolve to an alias". The first part is a registry when it has a dot or a port, or is localhost
    (the rule of Docker's reference parser, which kubelet's runtimes use)."""
    first, slash, rest = image.partition("/")
    if not (slash and ("." in first or ":" in first or first == "localhost" or first != first.lower())):
        first, rest = "docker.io", image
    first = "docker.io" if first == "index.docker.io" else first
    if first == "docker.io" and "/" not in rest:
        rest = f"library/{rest}"   # Docker Hub's official images
    return f"{first}/{rest}"


def local_name(image: str) -> str:
    """How podman names an image loaded from Docker's `mlflow-labs/x:t`: localhost/mlflow-labs/x:t."""
    first = image.split("/", 1)[0]
    return image if ("." in first or ":" in first or first == "localhost") and "/" in image else f"localhost/{image}"


def ensure_image(image: str, progress: Callable[[str], None] = print) -> str:
    """The image in podman's store, copied from the local Docker engine once (`docker save`, then
    `podman load` of that file, in a temp dir removed afterwards).
    Returns the name to put in a manifest."""
    name = local_name(image)
    if podman("image", "exists", name, check=False).returncode == 0:
        return name
    if not shutil.which("docker") or run_tool(["docker", "image", "inspect", image], check=False, timeout=60).returncode:
        raise PrerequisiteMissing(f"The image {image} is neither in podman's store nor in the local Docker engine.",
                                  "build the offline images with scripts/build-offline-images (or podman pull it online)")
    progress(f"loading {image} from Docker into podman (docker save, then podman load; once)")
    t0 = time.monotonic()
    # through a file, not a pipe: each half is one run_tool call, so a failure or hang names its command
    with tempfile.TemporaryDirectory(prefix="mlflow-labs-image-") as tmp:
        archive = str(Path(tmp) / "image.tar")
        what = f"copying {image} from Docker into podman"
        run_tool(["docker", "save", "-o", archive, image], timeout=900, what=what)
        run_tool(["podman", "load", "-q", "-i", archive], timeout=900, what=what)
    progress(f"loaded {image} into podman in {time.monotonic() - t0:.0f} s")
    return name


def ensure_dbchecker_image(base: str, progress: Callable[[str], None] = print) -> str:
    """Build the dbchecker image with Docker from the offline Debian base (once), then load it into podman."""
    name = local_name(DBCHECKER_IMAGE)
    if podman("image", "exists", name, check=False).returncode == 0:
        return name
    if run_tool(["docker", "image", "inspect", DBCHECKER_IMAGE], check=False, timeout=60).returncode:
        progress(f"building {DBCHECKER_IMAGE} (busybox sh + netcat-openbsd) from {base}")
        run_tool(["docker", "build", "-q", "--build-arg", f"BASE={base}", "--label", "org.mlflow-labs.offline=1",
                  "-t", DBCHECKER_IMAGE, "-"], input=DBCHECKER_DOCKERFILE, timeout=600)
    return ensure_image(DBCHECKER_IMAGE, progress)
