"""Helm driven as a tool: repo add/update, install/upgrade with values files, uninstall, pull.

Values go in files (``values_files``), not ``--set``: a password on a command line is visible in
`ps` and shell history. ``set_values`` exists for non-secret keys only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable, Mapping, Sequence

from mlflow_labs.harness.errors import LabError
from mlflow_labs.infra.tools import ToolResult, run_tool

Runner = Callable[..., ToolResult]

COMMUNITY_REPO = ("community-charts", "https://community-charts.github.io/helm-charts")


class Helm:
    def __init__(self, kubeconfig: Path | str | None = None, *, runner: Runner = run_tool,
                 env: Mapping[str, str] | None = None):
        self.kubeconfig = str(kubeconfig) if kubeconfig else None
        self.runner = runner
        self.env = dict(env or {})

    def command(self, *args: str) -> list[str]:
        cmd = ["helm", *args]
        if self.kubeconfig:
            cmd += ["--kubeconfig", self.kubeconfig]
        return cmd

    def _run(self, *args: str, timeout: float = 600) -> ToolResult:
        return self.runner(self.command(*args), env=self.env, timeout=timeout)

    def version(self) -> str:
        return self.runner(["helm", "version", "--short"], env=self.env, timeout=60).stdout.strip()

    def repo_add(self, name: str = COMMUNITY_REPO[0], url: str = COMMUNITY_REPO[1]) -> ToolResult:
        return self._run("repo", "add", name, url, "--force-update", timeout=120)

    def repo_update(self, *names: str) -> ToolResult:
        return self._run("repo", "update", *names, timeout=300)

    def install_command(self, release: str, chart: str, *, version: str | None = None,
                        namespace: str | None = None, create_namespace: bool = False,
                        values_files: Sequence[Path | str] = (), set_values: Mapping[str, object] | None = None,
                        wait: bool = True, timeout: str = "10m", upgrade: bool = True) -> list[str]:
        args = ["upgrade", "--install", release, chart] if upgrade else ["install", release, chart]
        if version:
            args += ["--version", version]
        if namespace:
            args += ["--namespace", namespace]
        if create_namespace:
            args.append("--create-namespace")
        for f in values_files:
            if not Path(f).is_file():
                raise LabError(f"Helm values file {f} does not exist; it is needed to install {release}.")
            args += ["-f", str(f)]
        for key, value in (set_values or {}).items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            args += ["--set", f"{key}={value}"]
        if wait:
            args += ["--wait", "--timeout", timeout]
        return self.command(*args)

    def install(self, release: str, chart: str, *, timeout_s: float = 900, **kw) -> ToolResult:
        return self.runner(self.install_command(release, chart, **kw), env=self.env, timeout=timeout_s)

    def uninstall(self, release: str, namespace: str | None = None) -> ToolResult:
        args = ["uninstall", release]
        if namespace:
            args += ["--namespace", namespace]
        return self._run(*args, timeout=300)

    def pull_command(self, chart: str, version: str, dest: Path | str) -> list[str]:
        # no --kubeconfig: pulling a chart talks to the chart repository, not a cluster
        return ["helm", "pull", chart, "--version", version, "--destination", str(dest)]

    def pull(self, chart: str, version: str, dest: Path | str | None = None) -> Path:
        """Download the chart .tgz (the repo must be added) and return its path."""
        dest = Path(dest or tempfile.mkdtemp(prefix="helm-pull-"))
        dest.mkdir(parents=True, exist_ok=True)
        self.runner(self.pull_command(chart, version, dest), env=self.env, timeout=300)
        found = sorted(dest.glob(f"{chart.rsplit('/', 1)[-1]}-{version}.tgz"))
        if not found:
            raise LabError(f"`helm pull {chart} --version {version}` succeeded but left no .tgz in {dest}.")
        return found[0]
