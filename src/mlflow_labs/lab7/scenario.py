"""Lab 7: the README (IdP, MLflow with mlflow-oidc-auth, tokens, grants, the check) with its browser
steps done in headless Chromium, then what an attacker and an outage would do.

The README runs in two parts: up to the block where the learner pastes tokens, then the rest. In
between, ONE browser does what Steps 4, 5 and 7 have the learner do, one person after the other, each
signing out before the next signs in: alice, mallory (refused), then alice, bob, carol and admin each
issuing an access token, and alice once more for the session the check logs out. Everything is on
127.0.0.1.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

import requests

from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import port_substitution
from mlflow_labs.harness import leaks
from mlflow_labs.harness.cmdline_watch import CommandLineWatch
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Row
from mlflow_labs.lab7 import checks, credentials, environment, security
from mlflow_labs.lab7.browser import Browser, Login
from mlflow_labs.lab7 import SPEC
from mlflow_labs.settings import repo_root

MLFLOW_PORT, IDP_PORT = 7607, 7707
SECRETS_FILE = "lab7-secrets.env"
PATHS_FILE = "lab7-paths.env"
PEOPLE = ("alice", "bob", "carol", "admin", "dave")   # in `mlflow`; each issues a token (dave leaves in Step 8)
OUTSIDER = "mallory"                         # in `contractors` only
TOKEN_BLOCK = "read -rsp \"$who's token: \""  # the README block the harness does in the browser instead


class Lab7Run(LabRun):
    lab = "lab7"

    def __init__(self, *, shots: Path | None = None, **kw):
        super().__init__(**kw)
        self.port, self.idp_port = free_port(), free_port()
        self.uri = f"http://localhost:{self.port}"
        self.idp = f"http://localhost:{self.idp_port}"
        self.shots = Path(shots) if shots else self.workdir / "shots"   # images.py keeps them for the README
        self.browser: Browser | None = None
        self.logins: dict[str, Login] = {}
        self.signed_out_text = ""   # what the page said after the first Logout
        self.tokens: dict[str, str] = {}
        self.secrets: dict[str, str] = {}
        # every command line while the lab runs (the README's short-lived curl calls, the browser steps, the
        # tests after them): one scan at a moment misses what has already exited
        self.watch = CommandLineWatch()

    # -- README -------------------------------------------------------------------------------
    def setup(self) -> None:
        self.watch.start()
        venv = environment.ensure(progress=self.progress)
        lab = SPEC
        self.docs = ReadmeRunner(lab.readme, self.workdir / "work",
                                 substitutions=[port_substitution(MLFLOW_PORT, self.port),
                                                port_substitution(IDP_PORT, self.idp_port)],
                                 env={"SSO_VENV": str(venv), "IDP_DIR": str(lab.dir)},
                                 display_root=repo_root(), progress=self.progress)
        # what Step 0's second block writes by hand: where the servers' scripts find the IdP and the venv
        # (here the lab folder itself, whose node_modules scripts/provision-lab7 installed)
        (self.docs.cwd / PATHS_FILE).write_text(f"IDP_DIR={shlex.quote(str(lab.dir))}\n"
                                                f"SSO_VENV={shlex.quote(str(venv))}\n")

    def token_block_line(self) -> int:
        return self.docs.find(text=TOKEN_BLOCK).line

    def run_readme_servers(self) -> None:
        """Steps 1-3: secrets, the IdP, MLflow with the plugin, the stranger and /login probes."""
        with self.phase("README: servers"):
            self.docs.run(stop_before_line=self.token_block_line())
            self.secrets = leaks.read_env_file(self.docs.cwd / SECRETS_FILE)

    def sign_in_everyone(self) -> None:
        """Steps 4, 5 and 7's browser part, in ONE browser, one person after the other as the README has them
        switch (MLflow's Logout, then the IdP's "Yes, sign me out"): alice signs in and out; mallory is
        refused and signs out at the IdP; alice, bob, carol and admin each issue a token; alice signs in once
        more for the session the README's check logs out."""
        with self.phase("browser sign-ins"):
            self.browser = Browser(self.shots, mlflow=self.uri, idp=self.idp).start()
            self.login("alice", shots="alice")
            self.signed_out_text = self.browser.sign_out()
            self.login(OUTSIDER, shots=OUTSIDER)
            self.browser.sign_out()
            for who in PEOPLE:
                login = self.login(who, key=f"{who}-token")
                self.tokens[who] = self.issue_token(login)
                self.write_secret(f"{who}.token", self.tokens[who])
                self.browser.sign_out()
            session = self.login("alice", key="alice-check").cookie()
            self.write_secret("alice.session", session["value"] if session else "")

    def login(self, who: str, *, key: str | None = None, shots: str | None = None) -> Login:
        """``who`` signs in in the lab's one browser (whoever was signed in signs out first)."""
        login = self.browser.login(who, shots=shots)
        self.logins[key or who] = login
        return login

    def fresh_session(self, who: str = "alice") -> str:
        """A new signed-in session of ``who``: the `session` cookie a learner copies for the check."""
        return self.login(who, key=f"{who}-fresh").cookie()["value"]

    def issue_token(self, login: Login) -> str:
        r = login.context.request.post(f"{self.uri}/api/2.0/mlflow/users/current/tokens",
                                       data={"name": f"lab7-{login.person}", "expiration": _in_days(30)})
        if r.status != 201:
            raise RuntimeError(f"{login.person}'s token request answered HTTP {r.status}: {r.text()[:200]}")
        return r.json()["token"]

    def write_secret(self, name: str, value: str) -> None:
        path = self.docs.cwd / name
        path.write_text(value)
        os.chmod(path, 0o600)

    def run_readme_rest(self) -> None:
        with self.phase("README: tokens, grants, check"):
            first = self.token_block_line()
            self.docs.run(only_lines={b.line for b in self.docs.blocks if b.line >= first})

    # -- checks -------------------------------------------------------------------------------------
    def check_env(self, *, writer: str = "alice", reader: str = "bob", session: str | None = None) -> dict:
        env = {"LAB7_WRITER_USERNAME": f"{writer}@example.com", "LAB7_WRITER_TOKEN": self.tokens.get(writer, ""),
               "LAB7_READER_USERNAME": f"{reader}@example.com", "LAB7_READER_TOKEN": self.tokens.get(reader, "")}
        if session is not None:
            env[credentials.SESSION_ENV] = session
        return env

    def run_checks(self) -> list:
        """The checks once more from here, with a fresh session (the README's check logged its own out)."""
        with self.phase("checks"):
            fresh = self.login("alice", key="alice-harness-check").cookie()
            return self.check("lab7/checks.py", checks.run_checks(self.uri, env=self.check_env(session=fresh["value"])))

    # -- what the report adds to the README -------------------------------------------------------
    def row(self, step: str, where: str, ok: bool, detail: str) -> Row:
        r = Row(step, where, "passed" if ok else "failed", 0.0, detail)
        self.report.rows.append(r)
        return r

    def secret_values(self) -> dict[str, str]:
        """What must never be seen: the three secrets of Step 1 and every token the browser issued."""
        return {**self.secrets, **{f"{who}'s token": t for who, t in self.tokens.items()}}

    def scan_command_lines(self, moment: str) -> list[str]:
        """No secret or token on any process's command line (what `ps` shows every user), since setup."""
        lines = self.command_lines()
        hits = leaks.found_in(self.secret_values(), lines)
        self.row(f"no secret or token on any command line ({moment})", "/proc/*/cmdline", not hits,
                 ", ".join(hits) or f"{len(self.secret_values())} secrets and tokens, none in {len(lines)} distinct "
                                    f"command lines ({self.watch.samples} samples since setup)")
        return hits

    def command_lines(self) -> dict[str, str]:
        """Every distinct command line the watch saw since setup, and those running now."""
        return {**self.watch.seen(), **{f"pid {p} command line": c for p, c in leaks.command_lines().items()}}

    def background_line(self, script: str) -> int:
        return self.docs.find(text=script, action="background").line

    def idp_background_line(self) -> int:
        return self.background_line("serve-idp.sh")

    def mlflow_log(self) -> str:
        return (self.docs.workdir / f"background-{self.background_line('serve-mlflow.sh')}.log").read_text(errors="replace")

    def steps(self) -> None:
        self.run_readme_servers()
        self.sign_in_everyone()
        self.run_readme_rest()
        self.run_checks()
        self.scan_command_lines("end")

    def teardown(self) -> None:
        self.watch.stop()
        if self.browser:
            self.browser.close()

    def kept(self) -> str:
        return f"MLflow at {self.uri}, the IdP at {self.idp}, work dir {self.docs.cwd if self.docs else self.workdir}"


def _in_days(days: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + days * 86400))
