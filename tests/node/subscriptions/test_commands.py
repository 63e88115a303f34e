"""`vidensnet feed ...` run as a real child process against a feed served on 127.0.0.1."""

from __future__ import annotations

import time

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


def test_feed_subscribe_refuses_a_loopback_feed_without_the_allow_list(node_home, monkeypatch):
    monkeypatch.delenv("VIDENSNET_FEED_ALLOWED_HOSTS")
    with FeedServer() as feeds:
        url = feeds.put("/hemmelig.atom", atom("Intern hemmelighed", [ENTRY]))
        result = vidensnet(node_home, "feed", "subscribe", url, check=False)
    assert result.returncode != 0
    assert "url: adressen er ikke tilladt: den peger på et internt net" in result.stderr and feeds.statuses == {}
    assert "Ingen abonnementer." in vidensnet(node_home, "feed", "list").stdout


def test_a_redirect_from_an_allowed_host_to_an_internal_one_is_refused_at_the_hop(node_home, monkeypatch):
    with FeedServer() as public, FeedServer() as internal:
        internal.put("/hemmelig.atom", atom("Intern hemmelighed", [{**ENTRY, "title": "Intern hemmelighed"}]))
        monkeypatch.setenv("VIDENSNET_FEED_ALLOWED_HOSTS", f"127.0.0.1:{public.httpd.server_address[1]}")
        url = public.redirect("/dkr.atom", internal.url + "/hemmelig.atom")
        subscribed = vidensnet(node_home, "feed", "subscribe", url)
        listed = vidensnet(node_home, "feed", "list").stdout

    assert "fejl: adressen er ikke tilladt: den peger på et internt net" in subscribed.stderr
    assert internal.statuses == {} and public.statuses == {302: 1}
    assert "venter efter fejl" in listed and str(internal.httpd.server_address[1]) not in listed + subscribed.stderr
    assert vidensnet(node_home, "export").stdout == ""


def test_a_slow_drip_feed_stops_at_the_configured_deadline(node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_FEED_DEADLINE_SECONDS", "2")
    with FeedServer() as feeds:
        url = feeds.put("/drip.atom", atom("Langsom kilde", [ENTRY]))
        feeds.drip("/drip.atom", 0.5)  # several minutes for the whole body
        started = time.monotonic()
        subscribed = vidensnet(node_home, "feed", "subscribe", "--no-review", url)
        elapsed = time.monotonic() - started

    assert "feedet blev ikke hentet færdigt inden for 2 sekunder" in subscribed.stderr
    assert elapsed < 30  # the command's start-up on a loaded machine, plus the deadline; not the body's minutes
