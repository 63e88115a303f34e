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
- `equivocating`: version 1 of an item with payload A; after `POST /story`,
  version 1 again with payload B under a new seq (two stories, one version);
- `replaying`: every read after the first re-announces old envelopes under new
  seqs: an old version after the newer one, a retracted item's earlier version
  after its tombstone, the latest version again, and both once more under a
  version number they do not have.
"""

from __future__ import annotations

import argparse
import json
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from node.core.config import NodeSettings
from tests.helpers.hostile_feed import SCENARIOS, HostileFeed

NODE_ID = "fjendtlig-kommune"
TRANSPORT_MODES = ("slow", "endless", "huge", "gzip", "redirect")
PROTOCOL_MODES = ("feed", "equivocating", "replaying")
MODES = TRANSPORT_MODES + PROTOCOL_MODES
MB = 1024 * 1024


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, *args) -> None:  # quiet: the tests read what they need from the answers
        pass

    def do_GET(self) -> None:
        """The descriptor and the hit counter honestly; anything else as the mode says."""
        path = urlparse(self.path).path
        if path == "/.well-known/vidensnet":
            return self._send_json(self.server.feed.descriptor)
        if path == "/target":
            self.server.target_hits += 1
            return self._send_json({})
        if path == "/hits":
            return self._send_json({"target": self.server.target_hits})
        if self.server.mode in PROTOCOL_MODES:
            return self._answer_from_feed(path, b"")
        self._misbehave()

    def do_POST(self) -> None:
        """Peering requests are accepted; anything else as the mode says."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlparse(self.path).path
        if path == "/federation/v1/peering":
            return self._send_json({"id": NODE_ID, "state": "pending"}, status=202)
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

    def __init__(self, port: int, mode: str):
        super().__init__(("127.0.0.1", port), HostileHandler)
        self.mode, self.target_hits = mode, 0
        settings = NodeSettings(NODE_ID, "Fjendtlig Kommune", "municipality", f"http://127.0.0.1:{port}", "0730")
        self.feed = HostileFeed(settings)
        if mode in SCENARIOS:
            SCENARIOS[mode](self.feed)
        self.gzip_bomb = _gzip_of_zeros(1024) if mode == "gzip" else b""


def _gzip_of_zeros(megabytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    block = b"\0" * MB
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=MODES, required=True)
    args = parser.parse_args()
    HostileServer(args.port, args.mode).serve_forever()


if __name__ == "__main__":
    main()
