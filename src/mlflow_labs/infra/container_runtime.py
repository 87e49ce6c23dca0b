"""Can this machine run a container? One trivial container per engine, and Podman's OCI runtime.

Machines differ in their cgroup layout. Some boot with *hybrid* cgroups (v1 controllers under
/sys/fs/cgroup/*, cgroup2 at /sys/fs/cgroup/unified): there Debian 12's Podman runs containers with
crun 1.8.1, which refuses every one ("cgroups in hybrid mode not supported"), while runc accepts them.
So the runtime is chosen by trying, not by guessing: the default first, runc where the default fails
for a cgroup reason. The choice is written once to containers.conf (``[engine] runtime = "runc"``).

The trivial container needs no registry: its root filesystem is /bin/true and the libraries it links,
copied into a temp dir (``podman run --rootfs``; for Docker, ``docker import`` of the same files).

Used by `scripts/provision-k8s-tools` (choose and write), `.ci/run` (prove both engines before the
suite) and `mlflow-labs doctor` (report). Runs under the system Python before any venv exists:

    PYTHONPATH=src python3 -m mlflow_labs.infra.container_runtime prove docker podman
    PYTHONPATH=src python3 -m mlflow_labs.infra.container_runtime choose-podman-runtime [--write] [--conf PATH]
"""

from __future__ import annotations

import argparse
import functools
import re
import shutil
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mlflow_labs.errors import LabError
from mlflow_labs.harness.tools import ToolError, run_tool

CONTAINERS_CONF = Path("/etc/containers/containers.conf")
RUNC_CONF_LINES = '[engine]\nruntime = "runc"'
PROBE_IMAGE = "mlflow-labs/runtime-probe:local"
TIMEOUT = 120  # a first podman run sets up its storage and network: seconds, not minutes


def cgroup_layout(mountinfo: str | None = None) -> str:
    """'v2' (unified), 'hybrid' (v1 controllers + cgroup2 at .../unified) or 'v1', from /proc/self/mountinfo."""
    if mountinfo is None:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    v1 = v2_root = v2_elsewhere = False
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, fstype = left.split(), (right.split() or [""])[0]
        if len(fields) < 5:
            continue
        point = fields[4]
        if fstype == "cgroup2":
            if point == "/sys/fs/cgroup":
                v2_root = True
            elif point.startswith("/sys/fs/cgroup/"):
                v2_elsewhere = True
        elif fstype == "cgroup" and point.startswith("/sys/fs/cgroup/"):
            v1 = True
    if v2_root and not v1:
        return "v2"
    return "hybrid" if v1 and v2_elsewhere else ("v1" if v1 else "v2")


def is_cgroup_refusal(error: str) -> bool:
    """The runtime refused for a cgroup reason (crun on hybrid cgroups), not for anything else."""
    return "cgroup" in error.lower()


@dataclass
class Attempt:
    engine: str
    runtime: str           # "default" or the runtime forced with --runtime
    ok: bool
    command: str
    error: str = ""
    seconds: float = 0.0


def _libraries(binary: str) -> list[str]:
    """The shared libraries ``binary`` loads (ldd's absolute paths), for a rootfs that can exec it."""
    out = run_tool(["ldd", binary], check=False, timeout=30).stdout
    return sorted(set(re.findall(r"(/\S+)\s+\(0x", out)))


def build_rootfs(root: Path) -> Path:
    """A root filesystem holding only /bin/true and the libraries it links."""
    true = shutil.which("true") or "/bin/true"
    for src in [true, *_libraries(true)]:
        dst = root / Path(src).relative_to("/")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(src).resolve(), dst)
    target = root / "bin" / "true"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(true).resolve(), target)
    for d in ("proc", "sys", "dev", "etc", "tmp"):
        (root / d).mkdir(exist_ok=True)
    return root


def _attempt(engine: str, runtime: str, args: list[str], conf: Path | None = None) -> Attempt:
    t0 = time.monotonic()
    shown = " ".join(args)
    # podman reads CONTAINERS_CONF in place of /etc/containers/containers.conf (only set for another file)
    env = {"CONTAINERS_CONF": str(conf)} if conf and conf != CONTAINERS_CONF else None
    try:
        p = run_tool(args, check=False, timeout=TIMEOUT, env=env)
    except ToolError as exc:  # timed out
        return Attempt(engine, runtime, False, shown, str(exc).strip(), time.monotonic() - t0)
    except LabError as exc:   # the tool is not installed
        return Attempt(engine, runtime, False, shown, str(exc), time.monotonic() - t0)
    err = (p.stderr.strip() or p.stdout.strip())[-1500:]
    return Attempt(engine, runtime, p.returncode == 0, shown, "" if p.returncode == 0 else
                   f"exit {p.returncode}: {err or '(no output)'}", time.monotonic() - t0)


def try_podman(runtime: str | None = None, conf: Path | None = None) -> Attempt:
    """`podman [--runtime R] run --rm --rootfs DIR /bin/true` (with ``conf`` as its containers.conf when given)."""
    with tempfile.TemporaryDirectory(prefix="mlflow-labs-rootfs-") as tmp:
        root = build_rootfs(Path(tmp))
        args = ["podman", *(["--runtime", runtime] if runtime else []), "run", "--rm", "--rootfs", str(root), "/bin/true"]
        return _attempt("podman", runtime or "default", args, conf)


def try_docker() -> Attempt:
    """`docker import` the trivial rootfs, `docker run --rm` it, remove the image again."""
    with tempfile.TemporaryDirectory(prefix="mlflow-labs-rootfs-") as tmp:
        root = build_rootfs(Path(tmp) / "root")
        tar = Path(tmp) / "rootfs.tar"
        with tarfile.open(tar, "w") as t:
            t.add(root, arcname=".")
        imported = _attempt("docker", "default", ["docker", "import", str(tar), PROBE_IMAGE])
        if not imported.ok:
            return imported
        ran = _attempt("docker", "default", ["docker", "run", "--rm", "--network", "none", PROBE_IMAGE, "/bin/true"])
        run_tool(["docker", "rmi", "-f", PROBE_IMAGE], check=False, timeout=60)
        return ran


def podman_runtime_name() -> str:
    """The OCI runtime podman uses now (`podman info`), e.g. 'crun' or 'runc'."""
    try:
        p = run_tool(["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"], check=False, timeout=60)
    except LabError:
        return "unknown"
    return p.stdout.strip() or "unknown"


def set_engine_runtime(conf_text: str, runtime: str) -> str:
    """``conf_text`` with ``runtime = "<runtime>"`` in its [engine] table (added when absent); rest kept."""
    lines = conf_text.splitlines()
    out, in_engine, done = [], False, False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            if in_engine and not done:
                out.append(f'runtime = "{runtime}"')
                done = True
            in_engine = stripped == "[engine]"
        elif in_engine and re.match(r"runtime\s*=", stripped):
            if not done:
                out.append(f'runtime = "{runtime}"')
                done = True
            continue
        out.append(line)
    if in_engine and not done:
        out.append(f'runtime = "{runtime}"')
        done = True
    if not done:
        if out and out[-1].strip():
            out.append("")
        out += ["# written by mlflow-labs (scripts/provision-k8s-tools): the default runtime refused this",
                "# machine's cgroup layout, runc runs containers here", "[engine]", f'runtime = "{runtime}"']
    return "\n".join(out) + "\n"


@dataclass
class Choice:
    runtime: str       # what podman should use: "default" or "runc"
    changed: bool      # containers.conf was written
    message: str


def choose_podman_runtime(*, write: bool, conf: Path = CONTAINERS_CONF) -> Choice:
    """Try podman's default runtime; where it refuses for a cgroup reason and runc works, select runc.

    Raises LabError (both errors and what to do) when neither runtime runs a container."""
    layout = cgroup_layout()
    default = try_podman(conf=conf)
    if default.ok:
        return Choice("default", False, f"podman runs containers with its default runtime "
                                        f"({podman_runtime_name()}) on this machine's {layout} cgroups")
    runc = try_podman("runc", conf) if is_cgroup_refusal(default.error) else None
    if runc is None or not runc.ok:
        raise LabError(
            f"Podman cannot run a container on this machine ({layout} cgroups).\n"
            f"  default runtime: `{default.command}` {default.error}\n"
            + (f"  runc: `{runc.command}` {runc.error}\n" if runc else
               "  (not a cgroup refusal, so another runtime would not help)\n")
            + "Fix: check `podman info` and the errors above; on hybrid cgroups install runc (apt-get install runc) "
              f"and put these lines in {conf}:\n{RUNC_CONF_LINES}\nor boot with the unified hierarchy "
              "(systemd.unified_cgroup_hierarchy=1).")
    current = conf.read_text() if conf.exists() else ""
    wanted = set_engine_runtime(current, "runc")
    why = (f"podman's default runtime refused this machine's {layout} cgroups "
           f"({default.error.splitlines()[-1][:160]}); runc runs containers here")
    if wanted == current:
        return Choice("runc", False, f"{conf} already selects runc: {why}")
    if not write:
        return Choice("runc", False, f"{why}. Put these lines in {conf}:\n{RUNC_CONF_LINES}")
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(wanted)
    after = try_podman(conf=conf)
    if not after.ok:
        raise LabError(f"Selected runc in {conf}, but podman still cannot run a container: `{after.command}` "
                       f"{after.error}\nFix: check `podman info` and {conf}.")
    return Choice("runc", True, f"selected runc in {conf}: {why}")


@functools.lru_cache(maxsize=None)
def podman_status() -> tuple[str | None, str, str]:
    """For doctor: (detail when podman runs a container | None, what is wrong, the fix). Cached per process:
    it runs a container (a few seconds)."""
    version = run_tool(["podman", "--version"], check=False, timeout=30).stdout.strip()
    attempt = try_podman()
    if attempt.ok:
        return f"{version}, runtime {podman_runtime_name()}: ran a container", "", ""
    layout = cgroup_layout()
    if is_cgroup_refusal(attempt.error):
        return (None,
                f"Podman is installed ({version}) but cannot run a container: its runtime "
                f"({podman_runtime_name()}) refuses this machine's {layout} cgroups: {attempt.error.splitlines()[-1][:200]}",
                f"use runc (apt-get install runc), with these lines in {CONTAINERS_CONF}: "
                f"{RUNC_CONF_LINES!r} (sudo scripts/provision-k8s-tools tries both runtimes and writes them)")
    return (None, f"Podman is installed ({version}) but cannot run a container: `{attempt.command}` {attempt.error}",
            "check `podman info`; sudo scripts/provision-k8s-tools sets up what this project needs")


def prove(engines: list[str]) -> int:
    """One trivial container per engine; one line each, and a paragraph naming the cause on failure."""
    failed = []
    for engine in engines:
        a = try_docker() if engine == "docker" else try_podman()
        runtime = f" (runtime {podman_runtime_name()})" if engine == "podman" else ""
        if a.ok:
            print(f"{engine}{runtime}: ran a trivial container in {a.seconds:.1f} s")
        else:
            failed.append(a)
            print(f"{engine}{runtime}: FAILED to run a trivial container: `{a.command}` {a.error}", file=sys.stderr)
    if failed:
        layout = cgroup_layout()
        hints = []
        for a in failed:
            if a.engine == "podman" and is_cgroup_refusal(a.error):
                hints.append(f"Podman's runtime refuses this machine's {layout} cgroups: run sudo scripts/provision-k8s-tools "
                             f"(it selects runc in {CONTAINERS_CONF}: {RUNC_CONF_LINES!r})")
            elif a.engine == "docker":
                hints.append("Docker cannot run a container: check `docker info` and the dockerd log "
                             "(sudo scripts/provision-docker starts Debian's docker.io)")
            else:
                hints.append("Podman cannot run a container: check `podman info` (sudo scripts/provision-k8s-tools)")
        print(f"This machine ({layout} cgroups) cannot run the containers the labs need, so the suite would fail "
              f"for machine reasons, not lab ones. " + " ".join(hints) + ".", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="container_runtime", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prove", help="run one trivial container under each engine named")
    p.add_argument("engines", nargs="+", choices=["docker", "podman"])
    c = sub.add_parser("choose-podman-runtime", help="try the default runtime, else runc; --write selects it")
    c.add_argument("--write", action="store_true")
    c.add_argument("--conf", type=Path, default=CONTAINERS_CONF)
    sub.add_parser("layout", help="print this machine's cgroup layout")
    args = ap.parse_args(argv)
    if args.cmd == "layout":
        print(cgroup_layout())
        return 0
    if args.cmd == "prove":
        return prove(args.engines)
    try:
        choice = choose_podman_runtime(write=args.write, conf=args.conf)
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(choice.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
