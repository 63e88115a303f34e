"""A real TCP proxy on 127.0.0.1 in front of a node, for fault tests: pass, delay, drop or partition.

Every connection to the proxy's port is forwarded to the target port, two threads per connection
(one each way). The mode is read for every chunk, so a change also hits connections already open
(keep-alive connections included), as a real network fault would:

- pass: bytes go through unchanged;
- delay: every chunk waits `seconds` before it is forwarded (latency, both ways);
- drop: a connection is accepted and forwarded, then reset after a random number of bytes of the
  answer (0 to `max_bytes`), i.e. mid-stream;
- partition: connections are reset as soon as they are accepted, open ones at their next chunk;
- blackhole: connections are accepted and never answered (the caller runs into its own timeout).

Standard library only, so the benchmarks (bench/fault_soak.py) use it too.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from dataclasses import dataclass

CHUNK = 16 * 1024
POLL_SECONDS = 0.25  # how often an idle pump looks at the mode again
CONNECT_SECONDS = 5


@dataclass
class ProxyCounts:
    """What the proxy did, for the test's report."""

    connections: int = 0
    dropped: int = 0  # reset mid-stream in drop mode
    refused: int = 0  # reset by a partition
    unreachable: int = 0  # the target did not accept (killed, restarting)


class TcpProxy:
    """A TCP proxy listening on 127.0.0.1 (on `port`, or a free one) and forwarding to 127.0.0.1:`target_port`."""

    def __init__(self, target_port: int, port: int = 0, seed: int = 0):
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(POLL_SECONDS)
        self.port = self._listener.getsockname()[1]
        self.counts = ProxyCounts()
        self._random = random.Random(seed)
        self._mode, self._delay, self._max_bytes = "pass", 0.0, 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name=f"proxy-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """The proxy's base URL: the address a node behind it gives as its own."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        """The current mode: pass, delay, drop, partition or blackhole."""
        return self._mode

    def start(self) -> TcpProxy:
        """Start accepting connections; returns the proxy."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting and let every open connection end at its next chunk."""
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()

    def pass_through(self) -> None:
        """Forward everything unchanged from now on."""
        self._set("pass")

    def delay(self, seconds: float) -> None:
        """Hold every chunk, either way, for `seconds` before forwarding it."""
        self._set("delay", delay=seconds)

    def drop(self, max_bytes: int = 4096) -> None:
        """Reset every connection after a random number (0 to max_bytes) of bytes of the target's answer."""
        self._set("drop", max_bytes=max_bytes)

    def partition(self) -> None:
        """Reset new connections at once and open ones at their next chunk, as a cut link refuses them."""
        self._set("partition")

    def blackhole(self) -> None:
        """Accept connections and never answer them."""
        self._set("blackhole")

    def _set(self, mode: str, delay: float = 0.0, max_bytes: int = 0) -> None:
        with self._lock:
            self._mode, self._delay, self._max_bytes = mode, delay, max_bytes

    # --- the connections -----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.counts.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self._mode == "partition":
            self.counts.refused += 1
            _reset(client)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=CONNECT_SECONDS)
        except OSError:
            self.counts.unreachable += 1
            _reset(client)
            return
        budget = self._random.randint(0, self._max_bytes) if self._mode == "drop" else None
        for sock in (client, upstream):
            sock.settimeout(POLL_SECONDS)
        outcomes: list[str] = []
        request = threading.Thread(target=lambda: outcomes.append(self._pump(client, upstream, None)), daemon=True)
        request.start()
        outcomes.append(self._pump(upstream, client, budget))
        request.join()
        for sock in (client, upstream):
            _reset(sock) if "fault" in outcomes else sock.close()

    def _pump(self, source: socket.socket, sink: socket.socket, budget: int | None) -> str:
        """Forward source to sink until source ends ("eof") or a fault breaks the connection ("fault")."""
        try:
            while not self._closed.is_set():
                if self._mode == "partition":
                    self.counts.refused += 1
                    return self._break(source, sink)
                try:
                    chunk = source.recv(CHUNK)
                except TimeoutError:
                    continue
                if not chunk:
                    return self._finish(sink)
                if self._mode == "blackhole":
                    continue  # swallowed: the other side waits for an answer that never comes
                if self._mode == "delay":
                    time.sleep(self._delay)
                if budget is not None and len(chunk) >= budget:
                    sink.sendall(chunk[:budget])
                    self.counts.dropped += 1
                    return self._break(source, sink)
                budget = None if budget is None else budget - len(chunk)
                sink.sendall(chunk)
            return self._break(source, sink)
        except OSError:
            return self._break(source, sink)  # reset by the other side, or by the other pump

    @staticmethod
    def _finish(sink: socket.socket) -> str:
        try:
            sink.shutdown(socket.SHUT_WR)  # a clean end: pass it on, and let the other way finish
        except OSError:
            pass  # the other end has gone already; nothing is lost
        return "eof"

    @staticmethod
    def _break(source: socket.socket, sink: socket.socket) -> str:
        # Both ways at once, so the other pump stops too and each end sees a reset connection.
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return "fault"


def _reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send a RST instead of a clean FIN: a broken connection.
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()
