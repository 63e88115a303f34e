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
from federation.wire import digest, endorsement_payload, item_payload, seal, tombstone_payload
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
    epoch: str = "fjendtlig-epoke"
    # Called under the lock before each `changes` answer, and on POST /story: how a mode changes its story.
    on_read: Callable[[HostileFeed], None] | None = None
    on_story: Callable[[HostileFeed], None] | None = None

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

    def tombstone(self, local_id: str, version: int) -> dict[str, Any]:
        """A signed retraction of one of its items."""
        payload = tombstone_payload(f"{self.settings.id}:{local_id}", self.settings.id, version, "retracted",
                                    "2026-11-21T09:00:00Z")
        return seal(payload, self.key)

    def append(self, envelope: dict[str, Any], kind: str = "item", version: int | None = None) -> None:
        """Add an envelope to the end of the feed (a new seq), whatever it says; `version` may lie about it."""
        payload = envelope["payload"]
        seq = len(self.entries) + 1
        self.entries.append(Entry(seq, payload["id"], version or payload["version"], kind, envelope))

    def story(self) -> None:
        """Move the mode's story on (POST /story): what it tells from the next read on."""
        with self.lock:
            if self.on_story:
                self.on_story(self)

    def changes(self, since: int, limit: int) -> dict[str, Any]:
        """A feed page after `since`, as §8.4 shapes it."""
        with self.lock:
            self.reads += 1
            if self.on_read:
                self.on_read(self)
            page = [e for e in self.entries if e.seq > since][:limit]
            more = bool(page) and page[-1].seq < self.entries[-1].seq
        return {"changes": [{"seq": e.seq, "id": e.id, "version": e.version, "kind": e.kind,
                             "digest": digest(e.envelope["payload"])} for e in page],
                "next": page[-1].seq if page else since, "more": more, "epoch": self.epoch}

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


EQUIVOCATED = "to-historier"  # the item the equivocating mode tells two stories about


def equivocating_feed(feed: HostileFeed) -> None:
    """Version 1 of one item with payload A; after POST /story, version 1 again with payload B under a new seq."""
    feed.append(feed.item(EQUIVOCATED, 1, title="Den første fortælling"))
    feed.on_story = _tell_the_other_story


def _tell_the_other_story(feed: HostileFeed) -> None:
    if len(feed.entries) == 1:
        feed.append(feed.item(EQUIVOCATED, 1, title="Den anden fortælling", summary="Det modsatte af før."))


REPLAYED, RETRACTED = "genudsendt", "trukket-tilbage"  # the items the replaying mode replays


def replaying_feed(feed: HostileFeed) -> None:
    """Two versions of one item and a retracted item; every later read re-announces old envelopes anew."""
    feed.append(feed.item(REPLAYED, 1, title="Gammel udgave"))
    feed.append(feed.item(REPLAYED, 2, title="Ny udgave"))
    feed.append(feed.item(RETRACTED, 1, title="Trukket tilbage"))
    feed.append(feed.tombstone(RETRACTED, 1), kind="tombstone")
    feed.on_read = _replay


def _replay(feed: HostileFeed) -> None:
    if feed.reads == 1:
        return
    old, new, retracted = (feed.entries[i].envelope for i in range(3))
    feed.append(old)  # an old version after the newer one
    feed.append(retracted)  # the retracted item's earlier version after its tombstone
    feed.append(new)  # the same envelope again, endlessly, under new seqs
    # Lies about the version so that the body is fetched and ingest itself must see it is stale.
    feed.append(old, version=7)
    feed.append(retracted, version=7)


# How each protocol mode starts its feed; modes that change their story later do it in HostileFeed's hooks.
SCENARIOS: dict[str, Callable[[HostileFeed], None]] = {
    "feed": honest_feed, "skewed-clock": skewed_clock, "forging": forging,
    "lying-keys": lying_keys_feed, "lying-facts": lying_facts_feed,
    "equivocating": equivocating_feed, "replaying": replaying_feed,
}
