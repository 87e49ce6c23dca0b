"""Talking to PostgreSQL as psql would, without psql: one login with an error that says what is wrong
(wrong password, no database, unreachable) and how to fix it, and a psql-style script (`;`, `--`, `\\c db`)
run in one session."""

from __future__ import annotations

import re

import psycopg

from mlflow_labs.errors import LabError

CONNECT_TIMEOUT = 10  # seconds per attempt: an unreachable host must fail in bounded time


def connect(host: str, port: int, user: str, password: str, dbname: str, *,
            timeout: float = CONNECT_TIMEOUT) -> psycopg.Connection:
    """One connection attempt, autocommit, with an error that names user, host and port and the fix."""
    try:
        return psycopg.connect(host=host, port=port, user=user, password=password, dbname=dbname,
                               connect_timeout=int(timeout), autocommit=True)
    except psycopg.OperationalError as exc:
        raise LabError(explain_connect_error(str(exc), host, port, user, dbname)) from None


def explain_connect_error(message: str, host: str, port: int, user: str, dbname: str) -> str:
    first = message.strip().splitlines()[-1] if message.strip() else message
    if "password authentication failed" in message:
        return (f"PostgreSQL at {host}:{port} rejected the password for user '{user}' "
                f"(password authentication failed). Check the password in the connection URI / --backend-store-uri "
                f"against the one in `CREATE USER {user} WITH PASSWORD ...`.")
    if "does not exist" in message and "database" in message:
        return (f"PostgreSQL at {host}:{port} has no database '{dbname}' (user '{user}'). "
                f"Run the lab's `CREATE DATABASE {dbname};` step first.")
    if any(s in message for s in ("timeout expired", "Connection refused", "could not translate host name",
                                  "No route to host", "Network is unreachable", "Connection timed out")):
        return (f"Cannot reach PostgreSQL at {host}:{port} as user '{user}' ({first}). "
                f"Check the host and port (the RDS endpoint, or the container/server you started), that the server "
                f"runs, and that a firewall or security group lets port {port} through.")
    return f"Cannot connect to PostgreSQL at {host}:{port} as user '{user}', database '{dbname}': {first}"


def check_login(url: str, *, host: str | None = None, port: int | None = None,
                timeout: float = CONNECT_TIMEOUT) -> None:
    """One login with the user, password and database of an MLflow backend-store URI.

    MLflow itself retries a failing database for ~100 s and then prints a SQLAlchemy traceback; this
    says in one paragraph what is wrong, at once. ``host``/``port`` override the URI's (a URI written
    for a container names a host only the container network knows)."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    u = make_url(url)
    if not u.drivername.startswith("postgresql"):
        raise LabError(f"{url.split('@')[-1]} is not a PostgreSQL URI (scheme {u.drivername}).")
    connect(host or u.host or "127.0.0.1", port or u.port or 5432, u.username or "", u.password or "",
            u.database or "postgres", timeout=timeout).close()


_META_CONNECT = re.compile(r"^\s*\\(?:c|connect)\s+(\S+)\s*$")


def split_script(sql: str) -> list[tuple[str | None, str]]:
    """psql's view of a script: (database to switch to before it | None, statement) in order.

    Only what the lab's SQL uses: `;`-terminated statements, `--` comments and `\\c dbname`."""
    out: list[tuple[str | None, str]] = []
    switch: str | None = None
    buf: list[str] = []
    for line in sql.splitlines():
        m = _META_CONNECT.match(line)
        if m:
            switch = m.group(1).rstrip(";")
            continue
        code = line.split("--", 1)[0]
        if not code.strip():
            continue
        buf.append(code)
        if code.rstrip().endswith(";"):
            out.append((switch, "\n".join(buf).strip()))
            switch, buf = None, []
    if buf:
        out.append((switch, "\n".join(buf).strip()))
    elif switch:
        out.append((switch, ""))
    return out


def run_script(sql: str, host: str, port: int, user: str, password: str, dbname: str = "postgres") -> list[str]:
    """Run a psql-style script in one session (autocommit, like psql), following `\\c` switches.

    Returns the statements run, each prefixed with the database it ran in."""
    done = []
    conn = connect(host, port, user, password, dbname)
    try:
        for switch, stmt in split_script(sql):
            if switch:
                conn.close()
                dbname = switch
                conn = connect(host, port, user, password, dbname)
            if stmt:
                try:
                    conn.execute(stmt)
                except psycopg.Error as exc:
                    raise LabError(f"SQL failed in database '{dbname}' as '{user}': {stmt}\n{str(exc).strip()}") from None
                done.append(f"{dbname}: {stmt}")
    finally:
        conn.close()
    return done
