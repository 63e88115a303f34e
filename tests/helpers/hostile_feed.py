"""The feed a hostile peer's protocol modes serve: items signed by its own key, answered like a node would.

`HostileFeed` keeps feed entries in seq order and answers the three reads of
the protocol (`changes`, `envelopes`, `nodes`) from them; a mode (see
SCENARIOS) fills and changes the feed to misbehave in what it says.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.trust import check_descriptor, endorse, own_descriptor
from federation.wire import endorsement_payload, item_payload, seal
from node.core.config import NodeSettings
from node.core.models import utcnow
from node.items.schema import format_datetime

# Whose endorsement `lying-keys` fakes next to its own: a police district that really exists.
FAKED_ENDORSER = "oestjyllands-politi"


@dataclass
class Entry:
    """One change in the feed: the envelope served for its id while it is that id's latest entry."""

    seq: int
    id: str
    version: int
    kind: str
    envelope: dict[str, Any]


@dataclass
class HostileFeed:
    """A node's worth of feed, signed by `key`, that a mode may rewrite at will."""

    settings: NodeSettings
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    entries: list[Entry] = field(default_factory=list)
    reads: int = 0  # how many `changes` requests were answered: modes change their story between reads
    clock_ahead_seconds: int = 0  # what its HTTP Date headers add to the real time
    lock: threading.Lock = field(default_factory=threading.Lock)
    # `lying-keys`: the real node it lies about, and the key it claims that node has.
    victim: NodeSettings | None = None
    forged_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    # `lying-facts`: what it claims to be once approved (its kind, municipality and district).
    claimed: dict[str, Any] = field(default_factory=dict)

    @property
    def descriptor(self) -> dict[str, Any]:
        """Its own descriptor, honestly signed."""
        return own_descriptor(self.settings, self.key)

    def item(self, local_id: str, version: int, key: Ed25519PrivateKey | None = None, origin: str | None = None,
             **content) -> dict[str, Any]:
        """A signed public method of this node (or of `origin`), by `key` (its own unless told)."""
        origin = origin or self.settings.id
        item = {"id": f"{origin}:{local_id}", "origin": origin, "version": version,
                "published_at": "2026-11-20T09:00:00Z", "type": "method", "title": f"Metode {local_id} v{version}",
                "summary": "Fra en fjendtlig peer.", "body": "", "audience": "public", "tags": [],
                "municipalities": [], "police_districts": [], "prevention_level": None, "target_groups": [],
                "cooperation": [], "expires_at": None, "details": {}, **content}
        return seal(item_payload(item), key or self.key)

    def append(self, envelope: dict[str, Any], kind: str = "item") -> None:
        """Add an envelope to the end of the feed (a new seq), whatever it says."""
        payload = envelope["payload"]
        seq = len(self.entries) + 1
        self.entries.append(Entry(seq, payload["id"], payload["version"], kind, envelope))

    def changes(self, since: int, limit: int) -> dict[str, Any]:
        """A feed page after `since`, as §8.4 shapes it."""
        with self.lock:
            self.reads += 1
            page = [e for e in self.entries if e.seq > since][:limit]
            more = bool(page) and page[-1].seq < self.entries[-1].seq
        return {"changes": [{"seq": e.seq, "id": e.id, "version": e.version, "kind": e.kind} for e in page],
                "next": page[-1].seq if page else since, "more": more}

    def envelopes(self, ids: list[str]) -> dict[str, Any]:
        """The latest envelope of each asked id it has."""
        latest = {e.id: e.envelope for e in self.entries}
        return {"envelopes": [latest[i] for i in ids if i in latest]}

    def node(self, node_id: str) -> dict[str, Any] | None:
        """Its own descriptor (with the facts it claims); for its victim a forged one; None for other nodes."""
        if self.victim is not None and node_id == self.victim.id:
            return self.forged_record()
        if node_id != self.settings.id:
            return None
        settings = NodeSettings(**{**self.settings.__dict__, **self.claimed})
        return {"descriptor": own_descriptor(settings, self.key), "endorsements": [], "rotations": []}

    def forged_record(self) -> dict[str, Any]:
        """A descriptor of the victim with the forged key, endorsed by itself and, falsely, by a real district."""
        descriptor = check_descriptor(own_descriptor(self.victim, self.forged_key))
        fake = seal(endorsement_payload(FAKED_ENDORSER, descriptor.envelope, format_datetime(utcnow())),
                    self.forged_key)  # the district's key is not this peer's to use: the signature cannot verify
        return {"descriptor": descriptor.envelope, "endorsements": [endorse(descriptor, self.settings.id, self.key),
                                                                    fake], "rotations": []}


def honest_feed(feed: HostileFeed) -> None:
    """The control: one public item, served as the protocol says."""
    feed.append(feed.item("aerlig-metode", 1, title="En ærlig metode"))


def skewed_clock(feed: HostileFeed) -> None:
    """Honest, but its clock is four minutes ahead: within the bound, and shown to the admin."""
    honest_feed(feed)
    feed.clock_ahead_seconds = 240


def forging(feed: HostileFeed) -> None:
    """600 items whose signatures are made with another key: every one is rejected."""
    forger = Ed25519PrivateKey.generate()
    for n in range(600):
        feed.append(feed.item(f"forfalsket-{n}", 1, key=forger))


def lying_keys_feed(feed: HostileFeed) -> None:
    """Items claiming to be its victim's, signed by the forged key its `/nodes/<victim>` answer vouches for."""
    feed.append(feed.item("forfalsket", 1, key=feed.forged_key, origin=feed.victim.id,
                          title="Forfalsket metode", summary="Underskrevet med en falsk nøgle."))
    feed.append(feed.item("aerlig-metode", 1, title="En ærlig metode"))


def lying_facts_feed(feed: HostileFeed) -> None:
    """Its own honest item; once approved it claims to be a national node (in `/nodes/<itself>` and a request)."""
    feed.claimed = {"kind": "national", "municipality": None}
    feed.append(feed.item("aerlig-metode", 1, title="En ærlig metode"))


# How each protocol mode starts its feed; modes that change their story later do it in HostileFeed's hooks.
SCENARIOS: dict[str, Callable[[HostileFeed], None]] = {
    "feed": honest_feed, "skewed-clock": skewed_clock, "forging": forging,
    "lying-keys": lying_keys_feed, "lying-facts": lying_facts_feed,
}
