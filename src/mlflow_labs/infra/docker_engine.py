"""The Docker engine as the labs need it: does a daemon answer, are the images here, and cleanup of
everything the harness labelled (testcontainers' Ryuk reaper cannot be pulled without a registry)."""

from __future__ import annotations

import os

from mlflow_labs import settings
from mlflow_labs.errors import LabError, PrerequisiteMissing

SESSION = settings.SESSION  # this harness process's id: its containers carry it (cleanup takes only those)

START_HINT = (
    "Start the Docker daemon (`sudo systemctl start docker`, or `sudo dockerd &`), or on a bare "
    f"Debian/Ubuntu machine run `sudo {settings.PROVISION_SCRIPT}`; or use --infra local "
    "(MLFLOW_LABS_INFRA=local) to run PostgreSQL and MLflow as local processes."
)


def labels(**extra: str) -> dict[str, str]:
    return {settings.LABEL: "1", f"{settings.LABEL}.session": SESSION, **extra}


def client(timeout: int = 10):
    """A docker SDK client whose daemon answered a ping, else PrerequisiteMissing saying how to start one."""
    try:
        import docker  # noqa: PLC0415
    except ImportError:
        raise PrerequisiteMissing("The docker Python SDK is not installed.", "pip install docker (tox does this)") from None
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        c = docker.from_env(timeout=timeout)
        c.ping()
        return c
    except Exception as exc:  # DockerException, connection errors, permission denied on the socket
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise PrerequisiteMissing(f"No Docker daemon answers at {where} ({reason}).", START_HINT) from None


def daemon_answers() -> bool:
    try:
        client(timeout=5).close()
        return True
    except LabError:
        return False


def image_present(name: str, c=None) -> bool:
    import docker  # noqa: PLC0415
    own = c is None
    c = c or client()
    try:
        c.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False
    finally:
        if own:
            c.close()


def missing_image_error(name: str, why: str = "") -> PrerequisiteMissing:
    pulled = f" and `docker pull` failed ({why})" if why else " (and was not pulled)"
    return PrerequisiteMissing(
        f"The container image {name} is not on this machine{pulled}.",
        f"build the offline images with `{settings.BUILD_SCRIPT}` and export the settings it prints "
        f"(MLFLOW_LABS_POSTGRES_IMAGE, MLFLOW_LABS_MLFLOW_IMAGE), or `docker pull {name}` where a registry is reachable.",
    )


def require_image(name: str, c=None, pull: bool = True) -> None:
    """Make sure ``name`` is local: try one pull (a registry may be reachable), else a clear error."""
    c_own = c is None
    c = c or client()
    try:
        if image_present(name, c):
            return
        why = ""
        if pull:
            try:
                c.images.pull(name)
                return
            except Exception as exc:  # no registry here: say what to do instead of docker's stack trace
                why = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise missing_image_error(name, why)
    finally:
        if c_own:
            c.close()


def image_or_its_offline_build(name: str, offline: str, c=None, say=print) -> str:
    """``name`` when it is here or can be pulled; else, on a machine without a registry where
    `scripts/build-offline-images` built its offline copy, that copy (said): the same MLflow, built here.
    Neither: the one-paragraph error naming both ways out."""
    try:
        require_image(name, c)
        return name
    except PrerequisiteMissing:
        if offline == name or not image_present(offline, c):
            raise
        say(f"{name} is not on this machine and cannot be pulled: using its offline build {offline}")
        return offline


def prepare_testcontainers(c=None) -> None:
    """Disable Ryuk when its image is absent: it cannot be pulled here, and we clean up ourselves."""
    from testcontainers.core.config import testcontainers_config as tc  # noqa: PLC0415
    if tc.ryuk_disabled:
        return
    if not image_present(tc.ryuk_image, c):
        os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
        tc.ryuk_disabled = True


def leftovers(session: str | None = None, c=None) -> list[str]:
    """Names of containers and networks carrying the harness label (all sessions unless one is named)."""
    own = c is None
    c = c or client()
    try:
        flt = {"label": f"{settings.LABEL}.session={session}" if session else settings.LABEL}
        found = [f"container {x.name}" for x in c.containers.list(all=True, filters=flt)]
        found += [f"network {n.name}" for n in c.networks.list(filters=flt)]
        return found
    finally:
        if own:
            c.close()


def cleanup(session: str | None = SESSION, c=None) -> list[str]:
    """Remove every labelled container (force) and network of ``session`` (None: of every session)."""
    own = c is None
    try:
        c = c or client()
    except LabError:
        return []
    removed = []
    try:
        flt = {"label": f"{settings.LABEL}.session={session}" if session else settings.LABEL}
        for x in c.containers.list(all=True, filters=flt):
            try:
                x.remove(force=True, v=True)
                removed.append(f"container {x.name}")
            except Exception:
                pass
        for n in c.networks.list(filters=flt):
            try:
                n.remove()
                removed.append(f"network {n.name}")
            except Exception:
                pass
        return removed
    finally:
        if own:
            c.close()
