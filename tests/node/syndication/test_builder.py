"""The feed builder: valid Atom and RSS from loaded items, stable ids and dates, sanitised content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import feedparser
import pytest

from node.core.models import Item
from node.syndication.builder import EMPTY_FEED_UPDATED, FeedFormat, FeedSpec, build_feed, entry_id
from tests.helpers.html_safety import executable_parts
from tests.helpers.xss_payloads import SHORT_PAYLOADS

BASE = "https://vidensnet.aarhus.dk"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
RSS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def spec(key: str = "alle") -> FeedSpec:
    return FeedSpec(
        key=key, title="Aarhus Kommune: alle offentlige emner", subtitle="Offentlige emner",
        node_id="aarhus-kommune", node_name="Aarhus Kommune", self_url=f"{BASE}/feeds/{key}.atom",
        page_url=f"{BASE}/", item_url=lambda item: f"{BASE}/items/{item.id}",
    )


def item(local_id: str, *, origin: str = "aarhus-kommune", version: int = 1, at: datetime = T0, **fields) -> Item:
    values = {"type": "guidance", "title": f"Vejledning {local_id}", "summary": "Kort resumé.",
              "body": "Brødtekst med **fed** skrift.", "tags": ["unge"], **fields}
    return Item(id=f"{origin}:{local_id}", origin=origin, version=version, status="published", audience="public",
                audience_kind="public", created_at=T0 - timedelta(days=1), published_at=at, updated_at=at, **values)


def parsed(document: bytes):
    feed = feedparser.parse(document)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_feed_with_danish_text_parses_without_errors(fmt):
    items = [item("a", title="Bekymringssamtaler på skoler: æ, ø og å"), item("b", at=T0 - timedelta(hours=1))]
    feed = parsed(build_feed(spec(), items, fmt))
    assert [e.title for e in feed.entries] == ["Bekymringssamtaler på skoler: æ, ø og å", "Vejledning b"]
    assert feed.feed.title == "Aarhus Kommune: alle offentlige emner"
    assert feed.feed.language == "da"


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_empty_feed_is_dated_at_a_fixed_epoch_and_byte_identical(fmt):
    first = build_feed(spec(), [], fmt)
    assert first == build_feed(spec(), [], fmt)
    feed = parsed(first)
    assert feed.entries == []
    assert feed.feed.updated_parsed[:6] == EMPTY_FEED_UPDATED.timetuple()[:6]


def test_feed_updated_is_its_newest_entry():
    items = [item("ny", at=T0), item("gammel", at=T0 - timedelta(days=3))]
    feed = parsed(build_feed(spec(), items, FeedFormat.ATOM))
    assert feed.feed.updated_parsed[:6] == T0.timetuple()[:6]


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_entry_id_stays_while_updated_follows_a_new_version(fmt):
    first = parsed(build_feed(spec(), [item("a", version=1, at=T0)], fmt)).entries[0]
    later = T0 + timedelta(days=2)
    second = parsed(build_feed(spec(), [item("a", version=2, at=later, summary="Ændret.")], fmt)).entries[0]
    assert first.id == second.id == "urn:vidensnet:item:aarhus-kommune:a"
    updated = "updated_parsed" if fmt is FeedFormat.ATOM else "published_parsed"
    assert getattr(first, updated)[:6] == T0.timetuple()[:6]
    assert getattr(second, updated)[:6] == later.timetuple()[:6]


def test_entry_id_does_not_depend_on_the_node_url():
    moved = FeedSpec(**{**spec().__dict__, "item_url": lambda i: f"https://ny.example/items/{i.id}"})
    ids = {parsed(build_feed(s, [item("a")], FeedFormat.ATOM)).entries[0].id for s in (spec(), moved)}
    assert ids == {entry_id(item("a"))}


def test_atom_entry_published_is_not_later_than_updated():
    entry = parsed(build_feed(spec(), [item("a", version=3)], FeedFormat.ATOM)).entries[0]
    assert entry.published_parsed < entry.updated_parsed


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_entries_link_to_their_item_page_with_an_absolute_url(fmt):
    feed = parsed(build_feed(spec(), [item("a")], fmt))
    assert feed.entries[0].link == f"{BASE}/items/aarhus-kommune:a"
    assert feed.feed.link == f"{BASE}/"


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_author_is_the_origin_node_and_categories_are_type_and_tags(fmt):
    items = [item("egen"), item("fremmed", origin="dkr", tags=["skole", "forældre"])]
    entries = parsed(build_feed(spec(), items, fmt)).entries
    assert [e.author for e in entries] == ["Aarhus Kommune", "dkr"]
    terms = [t.term for t in entries[1].tags]
    assert "skole" in terms and "forældre" in terms
    assert ("guidance" if fmt is FeedFormat.ATOM else "Vejledning") in terms


def test_content_is_the_rendered_body_and_summary_the_summary():
    entry = parsed(build_feed(spec(), [item("a")], FeedFormat.ATOM)).entries[0]
    assert entry.summary == "Kort resumé."
    assert entry.content[0].type == "text/html"
    assert "<strong>fed</strong>" in entry.content[0].value


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_hostile_html_is_sanitised_in_the_raw_feed(fmt):
    items = [item(f"x{n}", title=p[:200], summary=p, body=p, tags=[p[:40]]) for n, p in enumerate(SHORT_PAYLOADS)]
    document = build_feed(spec(), items, fmt)
    parsed(document)
    # Read the raw XML, not feedparser's result: feedparser sanitises on its own and would hide a leak.
    root = ElementTree.fromstring(document)
    html = [e.text or "" for e in root.iter(f"{ATOM}content" if fmt is FeedFormat.ATOM else RSS_CONTENT)]
    assert len(html) == len(SHORT_PAYLOADS)
    for payload, fragment in zip(SHORT_PAYLOADS, html):
        assert executable_parts(fragment) == [], payload
