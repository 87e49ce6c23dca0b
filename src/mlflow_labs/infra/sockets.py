"""Who listens on a TCP port, as the host's own socket table (`ss -ltn`) says, not as a manifest or a
report claims: ERRATA 7 is about sockets reachable from the network, so it is checked on the sockets."""

from __future__ import annotations

from mlflow_labs.errors import LabError
from mlflow_labs.harness.tools import run_tool

_LOOPBACK = ("127.", "[::1]", "::1", "[::ffff:127.")


def listeners(port: int) -> list[str]:
    """The local addresses ('127.0.0.1:41000', '0.0.0.0:41000', '[::]:41000') of TCP sockets listening on ``port``."""
    out = run_tool(["ss", "-ltnH", f"sport = :{port}"], timeout=30, what=f"ss -ltn of port {port}").stdout
    return parse_listeners(out, port)


def parse_listeners(ss_output: str, port: int) -> list[str]:
    found = []
    for line in ss_output.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0] == "LISTEN" and fields[3].rsplit(":", 1)[-1] == str(port):
            found.append(fields[3])  # Local Address:Port, e.g. 127.0.0.1:41000, [::]:41000, *:41000
    return found


def beyond_loopback(addresses: list[str]) -> list[str]:
    """The addresses among ``addresses`` that other machines can reach (0.0.0.0, [::], *, a real interface)."""
    return [a for a in addresses if not a.startswith(_LOOPBACK)]


def loopback_only(port: int, what: str) -> str:
    """One line when ``what`` listens on ``port`` on loopback only; LabError when nothing listens (nothing to
    check) or a socket on the port is reachable beyond loopback."""
    addrs = listeners(port)
    if not addrs:
        raise LabError(f"nothing listens on port {port}: {what} is not published there (ss -ltn), so there is "
                       f"nothing to check")
    wide = beyond_loopback(addrs)
    if wide:
        raise LabError(f"{what} listens on {', '.join(wide)}: reachable from the network, not only from this "
                       f"machine (ERRATA 7); publish it on 127.0.0.1")
    return f"{what}: port {port} listens on {', '.join(addrs)} only (ss -ltn)"
