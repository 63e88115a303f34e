"""`vidensnet feed ...` run as a real child process against a feed served on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.helpers.feed_server import FeedServer, atom
from tests.helpers.live_nodes import vidensnet

ENTRY = {"id": "urn:dkr:1", "title": "Ny vejledning om bekymringssamtaler", "link": "https://dkr.example/bekymring",
         "summary": "Sådan forbereder I en bekymringssamtale."}


@pytest.fixture(autouse=True)
def allow_the_local_feed_server(monkeypatch):
    """The commands (child processes inherit the environment) may fetch from 127.0.0.1, where the feeds are."""
    monkeypatch.setenv("VIDENSNET_FEED_ALLOWED_HOSTS", "127.0.0.1")


def test_feed_subscribe_no_review_fetches_at_once_and_list_shows_source_state_and_items(node_home):
    with FeedServer() as feeds:
        url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY]))
        subscribed = vidensnet(node_home, "feed", "subscribe", "--no-review", url)
        listed = vidensnet(node_home, "feed", "list").stdout
        refreshed = vidensnet(node_home, "feed", "refresh").stdout

    assert "Abonnement 1 oprettet. Nye indslag udgives straks." in subscribed.stdout
    assert "1 oprettet" in subscribed.stdout
    assert url in listed and "aktiv" in listed and "kilde: Det Kriminalpræventive Råd" in listed
    assert "emner: 1" in listed
    assert "uændret siden sidst (304)" in refreshed and feeds.statuses == {200: 1, 304: 1}
    exported = vidensnet(node_home, "export").stdout
    assert '"issuer": "Det Kriminalpræventive Råd"' in exported


def test_feed_subscribe_refuses_a_bad_address_with_a_danish_message(node_home):
    result = vidensnet(node_home, "feed", "subscribe", "ftp://dkr.example/feed", check=False)

    assert result.returncode != 0 and "url: skal være en http(s)-adresse" in result.stderr
    assert "Ingen abonnementer." in vidensnet(node_home, "feed", "list").stdout


def test_feed_list_shows_a_failing_feed_backing_off_with_its_error(node_home):
    with FeedServer() as feeds:
        feeds.fail("/dkr.atom", 500)
        subscribed = vidensnet(node_home, "feed", "subscribe", feeds.url + "/dkr.atom")
    listed = vidensnet(node_home, "feed", "list").stdout

    assert "svarede HTTP 500" in subscribed.stderr
    assert "venter efter fejl" in listed and "fejl: serveren svarede HTTP 500" in listed
