"""The test proxy in front of Dovecot (tests/imap_proxy.py) must be gone once closed.

A closed proxy whose accepting thread lived on took, now and then, one connection meant
for a later listener that reused its descriptor number, and forwarded it to the old
server: a scan of the kill-point tests then read and wrote a stranger's empty mailbox.
"""

from __future__ import annotations

import socket
import subprocess

from tests.imap_proxy import Listener, Proxy


class _Counter(Listener):
    """A loopback listener that counts the connections it accepts."""

    def __init__(self) -> None:
        self.accepted = 0
        super().__init__()

    def take(self, client: socket.socket) -> None:
        self.accepted += 1
        client.close()


def test_a_closed_proxy_takes_no_connection_meant_for_a_later_listener() -> None:
    old_server = _Counter()
    for _ in range(10):
        proxy = Proxy(old_server.port)
        # One connection through it: its thread is past starting, back in accept().
        with socket.create_connection(("127.0.0.1", proxy.port)):
            pass
        proxy.close()
    before = old_server.accepted
    later = _Counter()  # takes the lowest free descriptor: often the proxies' old one
    try:
        for _ in range(100):
            subprocess.run(["true"], check=True)  # a child's end interrupts blocked calls
            with socket.create_connection(("127.0.0.1", later.port)) as conn:
                conn.settimeout(10)
                assert conn.recv(1) == b""  # accepted and closed by whichever listener
    finally:
        later.close()
        old_server.close()
    assert old_server.accepted == before, "a closed proxy forwarded a later connection"
    assert later.accepted == 100
