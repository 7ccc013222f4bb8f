"""A loopback proxy in front of a test IMAP server: it counts the commands clients send
(literals skipped, so an APPENDed message is not mistaken for commands), notes where each
APPEND goes, counts the bytes the server sends back, and can be cut (`down()`): open
connections are closed and new ones hang up at once, which is what a client sees of a
server gone away. Counting at the socket, not in our code, shows what really went out.
"""

from __future__ import annotations

import re
import selectors
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Listener:
    """A loopback port whose accepted connections go to `take`, on a thread of its own,
    until `close()`."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.take(client)

    def take(self, client: socket.socket) -> None:
        client.close()

    def close(self) -> None:
        """Stop listening, and end the accepting thread before the descriptor is freed.

        Closing alone is not enough: a thread blocked in accept() holds the old socket, and
        when a signal (a child process ending) restarts that call, it runs on whatever the
        descriptor's number names by then: often a later proxy's listener, whose next
        connection it would steal and forward here. shutdown() wakes the call first."""
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # not connected in every kernel's sense; the accept still wakes
        self._acceptor.join(timeout=10)
        self.listener.close()


class Proxy(Listener):
    """Forwards 127.0.0.1:`port` to `target`; counts commands and bytes; can be cut."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.commands: Counter[str] = Counter()
        self.appended_to: list[str] = []  # the mailbox of every APPEND
        self.bytes_down = 0
        self._cut = False
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        super().__init__()  # accepts from here on: everything above is ready

    def take(self, client: socket.socket) -> None:
        if self._cut:
            client.close()
            return
        server = socket.create_connection(("127.0.0.1", self.target))
        with self._lock:
            self._open += [client, server]
        threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        parser = _CommandParser(self.commands, self.appended_to, self._lock)
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, (client, server, True))
        selector.register(server, selectors.EVENT_READ, (server, client, False))
        try:
            while True:
                for key, _ in selector.select():
                    source, sink, upward = key.data
                    data = source.recv(65536)
                    if not data:
                        return
                    if upward:
                        parser.feed(data)
                    else:
                        with self._lock:
                            self.bytes_down += len(data)
                    sink.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            for sock in (client, server):
                sock.close()

    def reset(self) -> None:
        with self._lock:
            self.commands.clear()
            self.appended_to.clear()
            self.bytes_down = 0

    def total(self) -> int:
        with self._lock:
            return sum(self.commands.values())

    @contextmanager
    def down(self) -> Iterator[None]:
        self._cut = True
        with self._lock:
            doomed, self._open = self._open, []
        for sock in doomed:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        try:
            yield
        finally:
            self._cut = False


class _CommandParser:
    """Counts tagged client commands by name ("UID FETCH", "STATUS"), skipping literals."""

    LITERAL = re.compile(rb"\{(\d+)\+?\}\r?\n?$")

    def __init__(self, counts: Counter[str], appended_to: list[str],
                 lock: threading.Lock) -> None:
        self.counts = counts
        self.appended_to = appended_to
        self.lock = lock
        self.buffer = b""
        self.skip = 0
        self.continued = False  # the line goes on after a literal: not a new command

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.skip:
                taken = min(self.skip, len(self.buffer))
                self.buffer, self.skip = self.buffer[taken:], self.skip - taken
                if self.skip:
                    return
            end = self.buffer.find(b"\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end + 1], self.buffer[end + 1:]
            if not self.continued:
                self._count(line)
            literal = self.LITERAL.search(line.rstrip(b"\r\n") + b"\r\n")
            self.continued = literal is not None
            if literal:
                self.skip = int(literal[1])

    def _count(self, line: bytes) -> None:
        words = line.split()
        if len(words) < 2 or words[0] == b"DONE":
            return
        name = words[1].upper()
        if name == b"UID" and len(words) > 2:
            name += b" " + words[2].upper()
        with self.lock:
            self.counts[name.decode("ascii", "replace")] += 1
            if name == b"APPEND" and len(words) > 2:
                self.appended_to.append(words[2].decode("utf-8", "replace").strip('"'))
