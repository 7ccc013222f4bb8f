"""Talking to systemd: sd_notify(3) datagrams (READY, STATUS, WATCHDOG, STOPPING) and the
watchdog interval it asks for. Both do nothing when systemd did not start us."""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send one sd_notify datagram; False when not run by systemd or the send failed."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket (sd_notify(3))
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        # Never block: a reader that stops draining its queue must not freeze the service
        # (a dropped STATUS or WATCHDOG costs less than a hung loop).
        sock.setblocking(False)
        try:
            sock.sendto(message.encode(), address)
        except BlockingIOError:
            log.debug("service manager's notify queue is full: dropped %s", message[:20])
            return False
        except OSError as error:
            log.warning("could not notify the service manager: %s", error)
            return False
    return True


def watchdog_seconds() -> float | None:
    """How often to send WATCHDOG=1: half of $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises."""
    usec, pid = os.environ.get("WATCHDOG_USEC", ""), os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000 / 2
