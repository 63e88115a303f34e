"""Atom and RSS documents of public items, built with feedgen from items already loaded.

The builder does no database or HTTP work: the view chooses the items (public,
published, unexpired) and the URLs; this module only turns them into a feed.
The same items and settings always give the same bytes, so an unchanged feed
keeps its ETag.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from node.core.models import Item
from node.items.rendering import render_markdown
from node.items.vocabulary import TYPES

# An empty feed is dated here rather than "now", so it stays byte-identical between requests.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
TYPE_SCHEME = "urn:vidensnet:type"


class FeedFormat(StrEnum):
    ATOM = "atom"
    RSS = "rss"

    @property
    def content_type(self) -> str:
        """The media type the feed is served with."""
        return f"application/{self.value}+xml; charset=utf-8"


@dataclass(frozen=True)
class FeedSpec:
    """What one feed is: its stable key, Danish title and where it and its items live."""

    key: str
    title: str
    subtitle: str
    node_id: str
    node_name: str
    self_url: str
    page_url: str
    item_url: Callable[[Item], str]


def feed_id(node_id: str, key: str) -> str:
    """The feed's id: built from the node id and feed key, never from the node URL, which may change."""
    return f"urn:vidensnet:feed:{node_id}:{quote(key, safe='/')}"


def entry_id(item: Item) -> str:
    """The entry's id: the item id, the same for every version and on every node that holds it."""
    return f"urn:vidensnet:item:{item.id}"


def feed_updated(items: Sequence[Item]) -> datetime:
    """When the feed last changed: its newest entry, or a fixed epoch when it has none."""
    return max((_updated(item) for item in items), default=EMPTY_FEED_UPDATED)


def build_feed(spec: FeedSpec, items: Sequence[Item], fmt: FeedFormat) -> bytes:
    """The feed document for these items, in the order given (newest first)."""
    generator = _feed_generator(spec, feed_updated(items))
    for item in items:
        _add_entry(generator, spec, item, fmt)
    if fmt is FeedFormat.ATOM:
        return generator.atom_str(pretty=True)
    return generator.rss_str(pretty=True)


def _feed_generator(spec: FeedSpec, updated: datetime) -> FeedGenerator:
    generator = FeedGenerator()
    # dc:creator names the origin node in RSS, whose own <author> must be an e-mail address.
    generator.load_extension("dc", atom=False, rss=True)
    generator.id(feed_id(spec.node_id, spec.key))
    generator.title(spec.title)
    generator.subtitle(spec.subtitle)
    # feedgen takes the RSS channel link from the last link given: the page, not the feed itself.
    generator.link(href=spec.self_url, rel="self")
    generator.link(href=spec.page_url, rel="alternate")
    generator.author({"name": spec.node_name})
    generator.language("da")
    generator.generator("Vidensnet")
    generator.updated(updated)
    return generator


def _add_entry(generator: FeedGenerator, spec: FeedSpec, item: Item, fmt: FeedFormat) -> None:
    entry = generator.add_entry(order="append")
    entry.id(entry_id(item))  # also the RSS guid, marked as not a permalink
    entry.title(item.title)
    entry.link(href=spec.item_url(item), rel="alternate")
    entry.updated(_updated(item))
    # RSS has one date per item, which readers sort and spot changes by: the current version's.
    entry.published(_published(item) if fmt is FeedFormat.ATOM else _updated(item))
    author = spec.node_name if item.origin == spec.node_id else item.origin
    entry.author({"name": author})
    entry.dc.dc_creator(author)
    entry.summary(item.summary)
    if item.body.strip():
        entry.content(str(render_markdown(item.body)), type="html")
    entry.category({"term": item.type, "label": TYPES[item.type], "scheme": TYPE_SCHEME})
    for tag in item.tags:
        entry.category({"term": tag, "label": tag})


def _updated(item: Item) -> datetime:
    # A live item's published_at is when its current version was published (here or at its origin).
    return item.published_at or item.updated_at


def _published(item: Item) -> datetime:
    # The first version's date is not kept; created_at (drafted here, or first received) is the
    # closest the node knows, and never later than the current version.
    return min(item.created_at, _updated(item))
