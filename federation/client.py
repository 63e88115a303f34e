"""HTTP calls from this node to a peer, each authenticated with a fresh JWT and bounded in time and bytes.

A peer is untrusted input: every call has a total deadline (federation/deadline.py),
its answer is read as a stream and refused once it grows past the limit (counted
after decompression), and redirects are refused rather than followed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

import orjson
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.deadline import DeadlineAdapter, deadline
from federation.tokens import issue_token
from node.core.config import PeerLimits

CONNECT_SECONDS, READ_SECONDS = 5, 15  # each connect and each read; the deadline bounds the whole call
CHUNK_BYTES = 64 * 1024
NOTIFY_SECONDS = 5  # a wake-up: polling is the safety net, so a slow peer is not waited for
USER_AGENT = "Vidensnet/1"


class PeerUnavailable(RuntimeError):
    """A peer that did not answer, or answered with an error; the message says what happened."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status when the peer answered with an error; None when it did not answer


class PeerSession(requests.Session):
    """A session whose calls obey `deadline` and never follow a redirect (nor read its body)."""

    def __init__(self):
        super().__init__()
        for scheme in ("http://", "https://"):
            self.mount(scheme, DeadlineAdapter())

    def get_redirect_target(self, resp) -> None:
        """No redirect is followed: requests would otherwise read the redirect's whole body first."""
        return None


class Answer(NamedTuple):
    """A peer's JSON answer, and how far its clock was ahead of ours (seconds, from its `Date` header)."""

    body: dict[str, Any]
    clock_offset: int | None


def fetch_descriptor(url: str, limits: PeerLimits = PeerLimits()) -> dict[str, Any]:
    """The signed descriptor a node serves at /.well-known/vidensnet (unauthenticated)."""
    with PeerSession() as http:
        url = url.rstrip("/") + "/.well-known/vidensnet"
        return _exchange(http, "GET", url, {"User-Agent": USER_AGENT}, limits).body


@dataclass
class PeerClient:
    """Calls one peer as this node."""

    base_url: str
    peer_id: str
    my_id: str
    key: Ed25519PrivateKey
    limits: PeerLimits = PeerLimits()
    # One session per client keeps the connection open across the pages of a pull.
    http: requests.Session = field(default_factory=PeerSession, repr=False, compare=False)
    # The peer's clock offset as its last answer showed it; the pull records it for the admin page.
    clock_offset: int | None = field(default=None, compare=False)

    def changes(self, cursor: int, limit: int) -> dict[str, Any]:
        """A page of the peer's changes feed after `cursor`."""
        return self._call("GET", "/federation/v1/changes", params={"since": cursor, "limit": limit})

    def envelopes(self, item_ids: list[str]) -> list[dict[str, Any]]:
        """The signed envelopes of these items."""
        return self._call("POST", "/federation/v1/envelopes", json={"ids": item_ids}).get("envelopes", [])

    def node(self, node_id: str) -> dict[str, Any]:
        """A node's descriptor with the peer's endorsement of it."""
        return self._call("GET", f"/federation/v1/nodes/{node_id}")

    def request_peering(self, descriptor: dict[str, Any]) -> dict[str, Any]:
        """Ask the peer to record this node as a pending peer."""
        return self._call("POST", "/federation/v1/peering", json={"descriptor": descriptor})

    def announce_rotation(self, rotations: list[dict[str, Any]], descriptor: dict[str, Any]) -> None:
        """Tell the peer our key changed (call with the old key as `key`)."""
        self._call("POST", "/federation/v1/key-rotation", json={"rotations": rotations, "descriptor": descriptor})

    def notify(self) -> None:
        """Ask the peer to pull from this node soon (a wake-up only, so it waits briefly)."""
        self._call("POST", "/federation/v1/notify", NOTIFY_SECONDS, json={})

    def _call(self, method: str, path: str, deadline_seconds: int | None = None, **kwargs) -> dict[str, Any]:
        url = self.base_url.rstrip("/") + path
        token = issue_token(self.key, self.my_id, self.peer_id, method=method, url=url)
        headers = {"Authorization": "Bearer " + token, "User-Agent": USER_AGENT}
        limits = self.limits
        if deadline_seconds is not None and deadline_seconds < limits.deadline_seconds:
            limits = replace(limits, deadline_seconds=deadline_seconds)
        answer = _exchange(self.http, method, url, headers, limits, **kwargs)
        if answer.clock_offset is not None:
            self.clock_offset = answer.clock_offset
        return answer.body


def _exchange(http: requests.Session, method: str, url: str, headers: dict[str, str], limits: PeerLimits,
              **kwargs) -> Answer:
    """One bounded request: the answer as a JSON object, or PeerUnavailable saying what went wrong."""
    with deadline(limits.deadline_seconds) as limit:
        try:
            response = http.request(method, url, headers=headers, timeout=(CONNECT_SECONDS, READ_SECONDS),
                                    allow_redirects=False, stream=True, **kwargs)
            offset = clock_offset(response.headers.get("Date"), time.time())
            with response:
                status, content = response.status_code, _read_capped(response, limits.max_answer_bytes)
        except requests.RequestException as exc:
            if limit.expired:
                raise PeerUnavailable(f"no complete answer within {limits.deadline_seconds} s") from None
            raise PeerUnavailable(f"no answer: {exc.__class__.__name__}") from None
    return Answer(_json(status, content), offset)


def clock_offset(date_header: str | None, now: float) -> int | None:
    """Whole seconds the peer's clock (its HTTP `Date`, when the answer began) is ahead of `now`; None if unknown."""
    try:
        return round(parsedate_to_datetime(date_header).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    # iter_content decompresses as it goes, at most a chunk at a time, so a gzip bomb is cut off early too.
    chunks, size = [], 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise PeerUnavailable(f"answer larger than {max_bytes // 2**20} MB: refused")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(status: int, content: bytes) -> dict[str, Any]:
    if 300 <= status < 400:
        raise PeerUnavailable(f"HTTP {status}: redirect refused (peers are called at their own URL only)")
    if status >= 400:
        message = content[:300].decode("utf-8", "replace")
        try:
            message = orjson.loads(content)["error"]["message"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            pass
        raise PeerUnavailable(f"HTTP {status}: {message}", status)
    try:
        body = orjson.loads(content)  # several times faster than response.json() on pages of envelopes
    except orjson.JSONDecodeError:
        raise PeerUnavailable("answer is not JSON") from None
    if not isinstance(body, dict):
        raise PeerUnavailable("answer is not a JSON object")
    return body
