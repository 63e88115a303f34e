"""A hostile peer: a real process that speaks enough of the protocol to be peered, then misbehaves.

Run as `python -m tests.helpers.hostile_peer --port P --mode MODE`. It serves a
genuinely signed descriptor (so `vidensnet peer add` and `peer approve` accept it)
and answers peering requests; every other federation call gets the misbehaviour
of its mode:

- `slow`: a JSON answer that trickles out one byte every two seconds, for ever;
- `endless`: an empty changes page that always says `more` and moves `next` on by one;
- `huge`: a 400 MB answer;
- `gzip`: a small gzip stream that inflates to 1 GB;
- `redirect`: a redirect to `/target` on itself (which counts its visitors: GET /hits).

The protocol modes (PROTOCOL_MODES) answer `changes`, `envelopes`, `nodes` and
`notify` like a node with a feed of items signed by its own key (`HostileFeed`),
and misbehave in what they say rather than in how:

- `feed`: honestly, one public item (the control: the machinery works);
- `skewed-clock`: the same, with a clock four minutes ahead;
- `forging`: 600 items with signatures by another key;
- `lying-keys`: lies about another node's key: `/nodes/<victim>` (`--victim ID`, default
  randers-kommune) answers a forged
  descriptor with a key of its own, endorsed by itself and (falsely) by a real district, and its feed
  serves an item in the victim's name signed by that key;
- `lying-facts`: lies about its own facts once approved: `/nodes/<itself>` says `kind: national`, and
  after its first feed read it sends `--lie-to URL` a new peering request claiming the same
  (the answer's status is shown by GET /hits as `lie`);
- `equivocating`: version 1 of an item with payload A; after `POST /story`,
  version 1 again with payload B under a new seq (two stories, one version);
- `replaying`: every read after the first re-announces old envelopes under new
  seqs: an old version after the newer one, a retracted item's earlier version
  after its tombstone, the latest version again, and both once more under a
  version number they do not have.

`running(mode, *options)` starts one as a child process for a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests

from deploy.local_federation import REPO, free_port, wait_until_serving
from federation.client import PeerClient, PeerUnavailable
from federation.trust import own_descriptor
from node.core.config import NodeSettings
from tests.helpers.hostile_feed import SCENARIOS, HostileFeed

NODE_ID = "fjendtlig-kommune"
TRANSPORT_MODES = ("slow", "endless", "huge", "gzip", "redirect")
PROTOCOL_MODES = ("feed", "skewed-clock", "forging", "lying-keys", "lying-facts", "equivocating", "replaying")
MODES = TRANSPORT_MODES + PROTOCOL_MODES
# Modes whose peer signs items of its own honestly enough to be stored (the misbehaviour lies elsewhere).
STORED_MODES = ("feed", "skewed-clock", "lying-keys", "lying-facts", "equivocating", "replaying")
# Whom `lying-keys` lies about unless told (`--victim`): a real node of the suite's federations.
DEFAULT_VICTIM = "randers-kommune"
MB = 1024 * 1024


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, *args) -> None:  # quiet: the tests read what they need from the answers
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, from a clock as far off as the mode says."""
        return super().date_time_string((timestamp or time.time()) + self.server.feed.clock_ahead_seconds)

    def do_GET(self) -> None:
        """The descriptor and the hit counter honestly; anything else as the mode says."""
        path = urlparse(self.path).path
        if path == "/.well-known/vidensnet":
            return self._send_json(self.server.feed.descriptor)
        if path == "/target":
            self.server.target_hits += 1
            return self._send_json({})
        if path == "/hits":
            return self._send_json({"target": self.server.target_hits, "lie": self.server.lie_answer})
        if self.server.mode in PROTOCOL_MODES:
            return self._answer_from_feed(path, b"")
        self._misbehave()

    def do_POST(self) -> None:
        """Peering requests are accepted; anything else as the mode says."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlparse(self.path).path
        if path == "/federation/v1/peering":
            return self._send_json({"id": self.server.feed.settings.id, "state": "pending"}, status=202)
        if path == "/story":  # the test moves the mode's story on
            self.server.feed.story()
            return self._send_json({"ok": True})
        if self.server.mode in PROTOCOL_MODES:
            return self._answer_from_feed(path, body)
        self._misbehave()

    def _answer_from_feed(self, path: str, body: bytes) -> None:
        """The protocol's reads answered from the mode's feed (tokens are not checked: it trusts everyone)."""
        feed = self.server.feed
        if path == "/federation/v1/changes":
            query = parse_qs(urlparse(self.path).query)
            self.server.lie_about_itself()
            return self._send_json(feed.changes(int(query.get("since", ["0"])[0]), int(query.get("limit", ["200"])[0])))
        if path == "/federation/v1/envelopes":
            return self._send_json(feed.envelopes(json.loads(body or b"{}").get("ids") or []))
        if path == "/federation/v1/notify":
            return self._send_json({"ok": True}, status=202)
        if path.startswith("/federation/v1/nodes/"):
            record = feed.node(path.rsplit("/", 1)[1])
            return self._send_json(record or {"error": "ukendt node"}, status=200 if record else 404)
        self._send_json({"error": "ukendt"}, status=404)

    def _misbehave(self) -> None:
        try:
            getattr(self, "_" + self.server.mode)()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the node gave up on us, as it should

    def _slow(self) -> None:
        self._head(200, {"Content-Type": "application/json", "Content-Length": str(MB)})
        for _ in range(MB):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(2)

    def _endless(self) -> None:
        since = int(parse_qs(urlparse(self.path).query).get("since", ["0"])[0])
        self._send_json({"changes": [], "next": since + 1, "more": True})

    def _huge(self) -> None:
        self._head(200, {"Content-Type": "application/json", "Content-Length": str(400 * MB)})
        block = b" " * MB
        for _ in range(400):
            self.wfile.write(block)

    def _gzip(self) -> None:
        body = self.server.gzip_bomb
        self._head(200, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                         "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _redirect(self) -> None:
        self._head(302, {"Location": f"http://127.0.0.1:{self.server.server_port}/target", "Content-Length": "0"})

    def _send_json(self, body: dict, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self._head(status, {"Content-Type": "application/json", "Content-Length": str(len(data))})
        self.wfile.write(data)

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A node that hangs up on a misbehaving answer is doing its job: nothing to report."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    def __init__(self, port: int, mode: str, node_id: str = NODE_ID, victim: str | None = None,
                 lie_to: str | None = None):
        super().__init__(("127.0.0.1", port), HostileHandler)
        self.mode, self.target_hits, self.lie_to, self.lie_answer = mode, 0, lie_to, None
        self._lied = threading.Lock()
        settings = NodeSettings(node_id, "Fjendtlig Kommune", "municipality", f"http://127.0.0.1:{port}", "0730")
        self.feed = HostileFeed(settings)
        victim = victim or (DEFAULT_VICTIM if mode == "lying-keys" else None)
        if victim:  # the forged descriptor claims the victim lives here, as a municipality
            self.feed.victim = NodeSettings(victim, victim, "municipality", f"http://127.0.0.1:{port}", "0730")
        if mode in SCENARIOS:
            SCENARIOS[mode](self.feed)
        self.gzip_bomb = _gzip_of_zeros(1024) if mode == "gzip" else b""


    def lie_about_itself(self) -> None:
        """In `lying-facts`, once (it is being pulled, so it is approved): ask to peer anew as what it claims."""
        if self.mode != "lying-facts" or not self.lie_to or not self._lied.acquire(blocking=False):
            return
        threading.Thread(target=self._send_lie, daemon=True).start()

    def _send_lie(self) -> None:
        target = requests.get(self.lie_to + "/.well-known/vidensnet", timeout=30).json()["payload"]["id"]
        claimed = NodeSettings(**{**self.feed.settings.__dict__, **self.feed.claimed})
        try:
            client = PeerClient(self.lie_to, target, self.feed.settings.id, self.feed.key)
            client.request_peering(own_descriptor(claimed, self.feed.key))
            self.lie_answer = 202
        except PeerUnavailable as exc:
            self.lie_answer = str(exc)  # e.g. 'HTTP 400: ...'


def _gzip_of_zeros(megabytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    block = b"\0" * MB
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


@contextmanager
def running(mode: str, *options: str) -> Iterator[str]:
    """The hostile peer as a child process in `mode` (with its command-line options); yields its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.helpers.hostile_peer", "--port", str(port),
                             "--mode", mode, *options], cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url + "/.well-known/vidensnet", proc, timeout=30)
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--node-id", default=NODE_ID, help="its node id (several hostile peers need their own)")
    parser.add_argument("--victim", help="lying-keys: the id of the node it lies about")
    parser.add_argument("--lie-to", help="lying-facts: the node it sends its lying peering request to")
    args = parser.parse_args()
    HostileServer(args.port, args.mode, args.node_id, args.victim, args.lie_to).serve_forever()


if __name__ == "__main__":
    main()
