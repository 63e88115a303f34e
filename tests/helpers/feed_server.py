"""A real HTTP server on 127.0.0.1 serving feed documents, honouring ETag and Last-Modified like a web server.

It can also misbehave the ways a hostile or broken source does: redirect, drip its body slowly, answer
gzip, or hold an answer until the test releases it.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


class FeedServer:
    """Serves what `put` gave it; counts answers by status and remembers each request's headers."""

    def __init__(self):
        self.documents: dict[str, tuple[bytes, str, str, str]] = {}
        self.failures: dict[str, int] = {}
        self.statuses: Counter = Counter()
        self.requests: list[dict[str, str]] = []
        self.redirects: dict[str, tuple[int, str]] = {}
        self.drips: dict[str, float] = {}  # path -> seconds between the body's bytes
        self.gates: dict[str, threading.Event] = {}  # path -> answered only once the event is set
        self.gzipped: set[str] = set()
        self._clock = 1_800_000_000
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def put(self, path: str, body: str, content_type: str = "application/atom+xml") -> str:
        """Serve `body` at `path` from now on, with a new ETag and a later Last-Modified; returns its URL."""
        data = body.encode("utf-8")
        self._clock += 60  # each version is a minute newer, so If-Modified-Since tells them apart
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        self.documents[path] = (data, content_type, etag, formatdate(self._clock, usegmt=True))
        self.failures.pop(path, None)
        return self.url + path

    def fail(self, path: str, status: int) -> None:
        """Answer `status` at `path` until the next `put`."""
        self.failures[path] = status

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Redirect requests for `path` to `location`; returns the URL of `path`."""
        self.redirects[path] = (status, location)
        return self.url + path

    def drip(self, path: str, seconds_per_byte: float) -> None:
        """Send the body at `path` one byte at a time, `seconds_per_byte` apart (a slow-drip source)."""
        self.drips[path] = seconds_per_byte

    def gzip(self, path: str) -> None:
        """Send the body at `path` gzip-compressed (Content-Encoding: gzip)."""
        self.gzipped.add(path)

    def gate(self, path: str) -> threading.Event:
        """Hold every answer at `path` until the returned event is set (at most a minute)."""
        self.gates[path] = threading.Event()
        return self.gates[path]

    def seen(self, path: str) -> int:
        """How many requests for `path` arrived."""
        return sum(1 for r in self.requests if r["path"] == path)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append({**dict(self.headers), "path": self.path})
                if self.path in server.gates:
                    server.gates[self.path].wait(60)
                if self.path in server.redirects:
                    status, location = server.redirects[self.path]
                    return self._answer(status, b"", None, {"Location": location})
                status = server.failures.get(self.path)
                document = server.documents.get(self.path)
                if status is None and document is None:
                    status = 404
                if status is not None:
                    return self._answer(status, b"fejl", "text/plain", {})
                data, content_type, etag, modified = document
                if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == modified:
                    return self._answer(304, b"", None, {"ETag": etag, "Last-Modified": modified})
                if self.path in server.gzipped:
                    return self._answer(200, gzip.compress(data), content_type, {"Content-Encoding": "gzip"})
                return self._answer(200, data, content_type, {"ETag": etag, "Last-Modified": modified})

            def _answer(self, status, data, content_type, headers):
                server.statuses[status] += 1
                self.send_response(status)
                for name, value in {**headers, **({"Content-Type": content_type} if content_type else {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                pause = server.drips.get(self.path)
                try:
                    for start in range(0, len(data), 1 if pause else len(data) or 1):
                        self.wfile.write(data[start:start + 1] if pause else data)
                        self.wfile.flush()
                        if pause:
                            time.sleep(pause)
                except OSError:
                    pass  # the node hung up (a deadline or a cap): what the test wants to see

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def atom(title: str, entries: list[dict]) -> str:
    """An Atom feed; each entry has id, title, link and optionally summary and (HTML) content."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
             f'<title>{escape(title)}</title><id>urn:test:feed</id><updated>2026-01-01T00:00:00Z</updated>'
             '<link href="https://dkr.example/"/>']
    for e in entries:
        parts.append(
            f'<entry><id>{escape(e["id"])}</id><title type="html">{escape(e["title"])}</title>'
            f'<updated>2026-01-01T00:00:00Z</updated><link href="{escape(e.get("link", ""))}"/>'
            + (f'<summary type="html">{escape(e["summary"])}</summary>' if "summary" in e else "")
            + (f'<content type="html">{escape(e["content"])}</content>' if "content" in e else "")
            + "".join(f'<category term="{escape(t)}"/>' for t in e.get("tags", []))
            + "</entry>")
    return "".join(parts) + "</feed>"


def rss(title: str, items: list[dict]) -> str:
    """An RSS 2.0 feed; each item has guid, title, link and description."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
             '<link>https://ssp.example/</link><description>Nyheder</description>']
    for i in items:
        parts.append(f'<item><guid isPermaLink="false">{escape(i["id"])}</guid><title>{escape(i["title"])}</title>'
                     f'<link>{escape(i["link"])}</link><description>{escape(i["summary"])}</description></item>')
    return "".join(parts) + "</channel></rss>"
