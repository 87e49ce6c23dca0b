"""Per-lab, per-step results and timings: a terminal table and a JSON file under reports/."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tabulate import tabulate


@dataclass
class Row:
    step: str
    where: str          # README:LINE for doc steps, the check module for checks
    status: str         # passed | failed | skipped | shown
    seconds: float
    detail: str = ""


@dataclass
class Report:
    lab: str
    rows: list[Row] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    substitutions: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    error: str = ""
    files: list[str] = field(default_factory=list)  # what the run produced for people to look at (screenshots)
    figures: dict = field(default_factory=dict)  # a lab's measurements (lab 6: load and fault figures)

    def substituted(self, reason: str, change: str) -> None:
        """The one way a run records what it did differently from the README as typed, and why (a free port
        for 7006, `helm template` for `helm install`, a paste): listed under the report's table."""
        self.substitutions[reason] = change

    def substituted_all(self, changes: dict[str, str]) -> None:
        for reason, change in changes.items():
            self.substituted(reason, change)

    def add_steps(self, steps) -> None:
        for s in steps:
            self.rows.append(Row(s.summary, s.where, s.status, round(s.seconds, 2), s.note if s.status != "passed" else ""))

    def add_checks(self, results, where: str) -> None:
        for r in results:
            self.rows.append(Row(r.name, where, "passed" if r.ok else "failed", round(r.seconds, 2),
                                 r.detail if r.ok else f"{r.detail} -- hint: {r.hint}"))

    @contextmanager
    def phase(self, name: str):
        t0 = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(self.phases.get(name, 0) + time.monotonic() - t0, 2)

    @property
    def ok(self) -> bool:
        # A report with no rows ran nothing: it must not read as a pass (an empty replay proves nothing).
        return bool(self.rows) and not self.error and all(r.status != "failed" for r in self.rows)

    def table(self) -> str:
        body = tabulate([(r.step, r.where, r.status, f"{r.seconds:.1f}") for r in self.rows],
                        headers=["step", "where", "status", "s"], tablefmt="simple")
        lines = [f"== {self.lab}: {'PASSED' if self.ok else 'FAILED'} ==", body]
        if self.substitutions:
            lines.append("substitutions made to the README's text:")
            lines += [f"  - {k}" for k in self.substitutions]
        if self.figures.get("table"):  # a list of dicts, one row per measurement
            lines.append(tabulate(self.figures["table"], headers="keys", tablefmt="simple"))
        if self.phases:
            lines.append("phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.phases.items()))
        if self.error:
            lines.append(f"error: {self.error}")
        elif not self.rows:
            lines.append("error: nothing ran: no README step and no check reported a result")
        return "\n".join(lines)

    def write_json(self, directory: Path | None = None) -> Path:
        from mlflow_labs import settings
        directory = Path(directory or settings.current().reports)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.lab}.json"
        data = {"lab": self.lab, "ok": self.ok, "started": self.started, "error": self.error,
                "phases": self.phases, "substitutions": self.substitutions, "steps": [asdict(r) for r in self.rows],
                "files": self.files}
        if self.figures:
            data["figures"] = self.figures
        path.write_text(json.dumps(data, indent=2))
        return path
