"""infra/sockets.py reads the real socket table: a socket on 0.0.0.0 is caught, one on 127.0.0.1 is not."""

from __future__ import annotations

import shutil
import socket

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.infra import sockets

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def need_ss():
    if not shutil.which("ss"):
        pytest.skip("`ss` is not on PATH (fix: sudo apt-get install iproute2)")


def _listen(host: str) -> socket.socket:
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.bind((host, 0))
    s.listen(1)
    return s


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_socket_on_every_interface_is_named(host):
    with _listen(host) as s:
        port = s.getsockname()[1]
        with pytest.raises(LabError, match=rf"the test socket listens on .*:{port}: reachable from the network"):
            sockets.loopback_only(port, "the test socket")


def test_a_loopback_socket_passes_and_no_socket_is_nothing_to_check():
    with _listen("127.0.0.1") as s:
        port = s.getsockname()[1]
        assert sockets.loopback_only(port, "the test socket") == \
            f"the test socket: port {port} listens on 127.0.0.1:{port} only (ss -ltn)"
    with pytest.raises(LabError, match="nothing listens on port"):
        sockets.loopback_only(port, "the test socket")


def test_parse_listeners_reads_ipv4_ipv6_and_wildcards():
    out = ("LISTEN 0 4096 127.0.0.1:41000 0.0.0.0:*\nLISTEN 0 4096 0.0.0.0:41000 0.0.0.0:*\n"
           "LISTEN 0 4096 [::]:41000 [::]:*\nLISTEN 0 4096 *:41000 *:*\nLISTEN 0 5 127.0.0.1:410001 0.0.0.0:*\n")
    addrs = sockets.parse_listeners(out, 41000)
    assert addrs == ["127.0.0.1:41000", "0.0.0.0:41000", "[::]:41000", "*:41000"]
    assert sockets.beyond_loopback(addrs) == ["0.0.0.0:41000", "[::]:41000", "*:41000"]
