"""Fetching an external feed over HTTP, bounded: checked addresses, redirects by hand, one deadline, a byte cap.

Each hop (the feed's address, then every redirect, at most MAX_REDIRECTS) is
checked by node/subscriptions/addresses.py and then connected to at exactly the
addresses checked: the socket is opened here to the checked IP and handed to
http.client, which still sends the feed's host name in `Host` and, for https,
in SNI and the certificate check. A timer shuts the socket down when the one
deadline for the whole fetch passes, so a slow drip cannot hold it open; the
body is read in chunks and refused past the cap, counted after decompression.

The messages of FeedUnavailable go to the admin page and the database: they
never say what a host resolved to, nor whether a port was closed, filtered or
reset. The details are logged at debug level only.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from node.core.config import FeedLimits
from node.core.translation import N_
from node.subscriptions.addresses import AddressRefused, HostUnresolved, Resolver, checked_addresses, resolve_host

log = logging.getLogger(__name__)

# Names the software, so a source's operator can see who fetches and how often.
USER_AGENT = "Vidensnet/0.1 (feed ingest of a Vidensnet node)"
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
_SAFE = "/%:@!$&'()*+,;=-._~"  # what stays as it is in a request target; everything else is percent-escaped
# The user's words for each way a fetch can fail; connection-level failures all share one, so the answer
# never tells an open port from a closed or filtered one.
UNREACHABLE = "feedet kunne ikke hentes"
# Stored as a feed's last error (Danish); the admin page's refusal of a new subscription translates it.
REFUSED = N_("adressen er ikke tilladt: den peger på et internt net")


class FeedUnavailable(Exception):
    """The feed could not be fetched; the message says why, in Danish, for the admin."""


class FeedRefused(FeedUnavailable):
    """The feed's address, or a redirect hop, points at an internal network the administrator has not allowed."""


@dataclass(frozen=True)
class FetchedFeed:
    """A 200 answer: the body, and the validators to send next time."""

    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


class _Deadline:
    """One deadline for a whole fetch: the time left, and a timer that shuts the current socket when it passes."""

    def __init__(self, seconds: float):
        self.seconds, self.ends = seconds, time.monotonic() + seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        """Seconds until the deadline; FeedUnavailable when it has passed."""
        remaining = self.ends - time.monotonic()
        if remaining <= 0 or self.expired:
            raise FeedUnavailable(f"feedet blev ikke hentet færdigt inden for {self.seconds:g} sekunder")
        return remaining

    def watch(self, sock: socket.socket) -> None:
        """Shut this socket down when the deadline passes."""
        with self._lock:
            self._sock = sock
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                _shut(self._sock)

    def cancel(self) -> None:
        """Stop the timer: the fetch is over."""
        self._timer.cancel()


def fetch_feed(url: str, etag: str | None, last_modified: str | None, limits: FeedLimits = FeedLimits(),
               resolve: Resolver = resolve_host) -> FetchedFeed | None:
    """GET the feed, conditionally; None when the server says it has not changed (304)."""
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    limit = _Deadline(limits.deadline_seconds)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            answer = _one_hop(url, headers, limits, resolve, limit)
            if not isinstance(answer, str):
                return answer
            url = answer
        raise FeedUnavailable(f"feedet viderestiller mere end {MAX_REDIRECTS} gange")
    finally:
        limit.cancel()


@dataclass(frozen=True)
class _Hop:
    """Where one request goes: scheme, host (ASCII, IDNA-encoded), port and the request target."""

    scheme: str
    host: str
    port: int
    target: str


def _hop(url: str) -> _Hop:
    """The parts of a hop's URL; FeedUnavailable for anything but a well-formed http(s) address."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(parts.scheme)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise FeedUnavailable("feedet viderestiller til en adresse, der ikke er http(s)") from None
    # Characters a source left unescaped (spaces, æøå) are escaped; escapes already there are kept.
    target = quote(parts.path or "/", safe=_SAFE) + ("?" + quote(parts.query, safe=_SAFE + "?") if parts.query else "")
    return _Hop(parts.scheme, host, port, target)


def _one_hop(url: str, headers: dict[str, str], limits: FeedLimits, resolve: Resolver,
             limit: _Deadline) -> FetchedFeed | str | None:
    """One request: the feed, None for 304, or the next hop's URL for a redirect."""
    hop = _hop(url)
    try:
        addresses = checked_addresses(hop.host, hop.port, limits.allowed_hosts, _resolving_within(resolve, limit))
    except AddressRefused:
        log.debug("feed hop %s refused by the address policy", hop.host)
        raise FeedRefused(REFUSED) from None
    except HostUnresolved:
        log.debug("feed host %s does not resolve", hop.host)
        raise FeedUnavailable(UNREACHABLE) from None
    connection = _connect(hop.scheme, hop.host, hop.port, addresses, limit)
    try:
        return _exchange(connection, url, hop.target, headers, limits, limit)
    except (OSError, http.client.HTTPException, zlib.error) as exc:
        limit.left()  # a socket the deadline shut is a timeout, not a broken connection
        log.debug("feed %s: %s", hop.host, exc)
        raise FeedUnavailable(UNREACHABLE) from None
    finally:
        connection.close()


def _exchange(connection: http.client.HTTPConnection, url: str, target: str, headers: dict[str, str],
              limits: FeedLimits, limit: _Deadline) -> FetchedFeed | str | None:
    connection.request("GET", target, headers=headers)
    response = connection.getresponse()
    if response.status in REDIRECTS:
        location = response.getheader("Location")
        if not location:
            raise FeedUnavailable(f"serveren svarede HTTP {response.status} uden en ny adresse")
        return urljoin(url, location.strip())
    if response.status == 304:
        return None
    if response.status != 200:
        raise FeedUnavailable(f"serveren svarede HTTP {response.status} i stedet for et feed")
    content = _read_capped(response, limits.max_bytes, limit)
    return FetchedFeed(content, response.getheader("Content-Type", ""), response.getheader("ETag"),
                       response.getheader("Last-Modified"))


def _connect(scheme: str, host: str, port: int, addresses: list[str], limit: _Deadline) -> http.client.HTTPConnection:
    """A connection to the first checked address that answers, speaking to `host` by name (Host, SNI, certificate)."""
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=min(5, limit.left()))
            sock.settimeout(min(15, limit.left()))
            connection = _bind(scheme, host, port, sock)
        except OSError as exc:  # refused, unreachable, timed out, TLS failed: all the same to the user
            limit.left()
            log.debug("feed %s: connecting to a checked address failed: %s", host, exc)
            continue
        limit.watch(connection.sock)
        return connection
    limit.left()
    raise FeedUnavailable(UNREACHABLE)


def _bind(scheme: str, host: str, port: int, sock: socket.socket) -> http.client.HTTPConnection:
    # http.client connects only when it has no socket: given ours, it never resolves the name again.
    if scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(host, port, context=context)
        try:
            connection.sock = context.wrap_socket(sock, server_hostname=host)
        except OSError:
            sock.close()
            raise
    else:
        connection = http.client.HTTPConnection(host, port)
        connection.sock = sock
    return connection


def _resolving_within(resolve: Resolver, limit: _Deadline) -> Resolver:
    """The resolver, bounded by the deadline too: getaddrinfo itself cannot be interrupted, so it runs aside."""
    def bounded(host: str, port: int) -> list[str]:
        answer: list = []
        worker = threading.Thread(target=lambda: answer.append(_try(resolve, host, port)), daemon=True)
        worker.start()
        worker.join(limit.left())
        limit.left()
        if not answer or isinstance(answer[0], BaseException):
            raise OSError("name not resolved")
        return answer[0]
    return bounded


def _try(resolve: Resolver, host: str, port: int):
    try:
        return list(resolve(host, port))
    except (OSError, UnicodeError) as exc:
        return exc


def _read_capped(response: http.client.HTTPResponse, max_bytes: int, limit: _Deadline) -> bytes:
    # A feed that never ends (or a gzip bomb) must not fill the node's memory: count what it decompresses to.
    decompress = _decompressor(response.getheader("Content-Encoding", "identity"), max_bytes)
    chunks, size = [], 0
    while chunk := response.read1(CHUNK_BYTES):
        limit.left()
        data = decompress(chunk)
        size += len(data)
        if size > max_bytes:
            raise FeedUnavailable(f"feedet er større end {max_bytes / 2**20:g} MB")
        chunks.append(data)
    limit.left()  # a socket the deadline shut ends the body early: that is a timeout
    if response.length:
        raise FeedUnavailable(UNREACHABLE)  # the connection ended before the announced length
    return b"".join(chunks)


def _decompressor(encoding: str, max_bytes: int) -> Callable[[bytes], bytes]:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk: chunk
    if encoding not in ("gzip", "x-gzip"):
        raise FeedUnavailable("feedet er kodet på en måde, noden ikke kan læse")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def inflate(chunk: bytes) -> bytes:
        # Never more than one byte past the cap per chunk: enough to tell it is too large, never the whole bomb.
        data = inflater.decompress(chunk, max_bytes + 1)
        if inflater.unconsumed_tail:
            raise FeedUnavailable(f"feedet er større end {max_bytes / 2**20:g} MB")
        return data
    return inflate


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed
