"""HTTP calls from this node to a peer, each authenticated with a fresh JWT."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.tokens import issue_token

TIMEOUT_SECONDS = 15
USER_AGENT = "Vidensnet/1"


class PeerUnavailable(RuntimeError):
    """A peer that did not answer, or answered with an error; the message says what happened."""


def fetch_descriptor(url: str) -> dict[str, Any]:
    """The signed descriptor a node serves at /.well-known/vidensnet (unauthenticated)."""
    return _json(lambda: requests.get(url.rstrip("/") + "/.well-known/vidensnet", timeout=TIMEOUT_SECONDS,
                                      headers={"User-Agent": USER_AGENT}))


@dataclass
class PeerClient:
    """Calls one peer as this node."""

    base_url: str
    peer_id: str
    my_id: str
    key: Ed25519PrivateKey
    # One session per client keeps the connection open across the pages of a pull.
    http: requests.Session = field(default_factory=requests.Session, repr=False, compare=False)

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
        """Ask the peer to pull from this node soon."""
        self._call("POST", "/federation/v1/notify", json={})

    def _call(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        headers = {"Authorization": "Bearer " + issue_token(self.key, self.my_id, self.peer_id),
                   "User-Agent": USER_AGENT}
        url = self.base_url.rstrip("/") + path
        return _json(lambda: self.http.request(method, url, headers=headers, timeout=TIMEOUT_SECONDS, **kwargs))


def _json(send) -> dict[str, Any]:
    try:
        response = send()
    except requests.RequestException as exc:
        raise PeerUnavailable(f"no answer: {exc.__class__.__name__}") from None
    if response.status_code >= 400:
        message = response.text[:300]
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            pass
        raise PeerUnavailable(f"HTTP {response.status_code}: {message}")
    try:
        body = orjson.loads(response.content)  # several times faster than response.json() on pages of envelopes
    except orjson.JSONDecodeError:
        raise PeerUnavailable("answer is not JSON") from None
    if not isinstance(body, dict):
        raise PeerUnavailable("answer is not a JSON object")
    return body
