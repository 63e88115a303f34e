"""The bounded fetch against a real HTTP server on 127.0.0.1: every redirect hop checked, the checked address
connected to, one deadline, a byte cap after decompression, and errors that tell nothing of the internal network."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from node.core.config import FeedLimits
from node.subscriptions.fetching import REFUSED, UNREACHABLE, FeedRefused, FeedUnavailable, fetch_feed
from tests.helpers.feed_server import FeedServer, atom
from tests.helpers.live_nodes import free_port

FEED = atom("Det Kriminalpræventive Råd", [{"id": "urn:dkr:1", "title": "Vejledning", "link": "https://dkr.example/1",
                                           "summary": "Et resumé."}])
SECRET = atom("Intern hemmelighed", [{"id": "urn:intern:1", "title": "Intern hemmelighed",
                                     "link": "https://intra.example/1", "summary": "Må ikke ud."}])


class CountingResolver:
    """Resolves the names a test gives to 127.0.0.1 (where its servers run) and counts every lookup."""

    def __init__(self, **answers: str):
        self.answers = {name.replace("_", "."): address for name, address in answers.items()}
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        return [self.answers[host]]


@pytest.fixture
def internal():
    """A second server on 127.0.0.1 standing for an internal host that serves a secret."""
    with FeedServer() as server:
        server.put("/hemmelig.atom", SECRET)
        yield server


def test_a_feed_on_loopback_is_refused_unless_its_host_is_allow_listed(feeds):
    url = feeds.put("/dkr.atom", FEED)

    with pytest.raises(FeedRefused) as refused:
        fetch_feed(url, None, None, FeedLimits())
    assert str(refused.value) == REFUSED and feeds.statuses == {}
    assert fetch_feed(url, None, None, FeedLimits(allowed_hosts=("127.0.0.1",))).content.startswith(b"<?xml")


def test_a_redirect_to_an_internal_host_is_refused_at_the_hop_and_the_internal_host_never_asked(feeds, internal):
    resolve = CountingResolver(feeds_example="127.0.0.1", intra_example="127.0.0.1")
    port = feeds.httpd.server_address[1]
    feeds.redirect("/dkr.atom", f"http://intra.example:{internal.httpd.server_address[1]}/hemmelig.atom")
    allowed = FeedLimits(allowed_hosts=("feeds.example",))  # the public-looking host, here on 127.0.0.1

    with pytest.raises(FeedRefused) as refused:
        fetch_feed(f"http://feeds.example:{port}/dkr.atom", None, None, allowed, resolve)

    assert str(refused.value) == REFUSED and "127.0.0.1" not in str(refused.value)
    assert resolve.lookups == ["feeds.example", "intra.example"] and internal.statuses == {}


@pytest.mark.parametrize("location", ["http://127.0.0.1:{port}/hemmelig.atom", "http://[::1]:{port}/x",
                                      "http://169.254.169.254/latest/meta-data/", "http://localhost:{port}/x"])
def test_a_redirect_to_an_internal_literal_or_metadata_address_is_refused(feeds, internal, location):
    feeds.redirect("/dkr.atom", location.format(port=internal.httpd.server_address[1]))
    resolve = CountingResolver(feeds_example="127.0.0.1")
    with pytest.raises(FeedRefused):
        fetch_feed(f"http://feeds.example:{feeds.httpd.server_address[1]}/dkr.atom", None, None,
                   FeedLimits(allowed_hosts=("feeds.example",)), resolve)
    assert internal.statuses == {}


def test_allowed_redirects_are_followed_by_hand_and_each_hop_resolved_once_and_connected_to_as_checked(feeds):
    feeds.put("/dkr.atom", FEED)
    feeds.redirect("/gammel.atom", "/dkr.atom", 301)
    port = feeds.httpd.server_address[1]
    resolve = CountingResolver(feeds_example="127.0.0.1")

    fetched = fetch_feed(f"http://feeds.example:{port}/gammel.atom", None, None,
                         FeedLimits(allowed_hosts=("feeds.example",)), resolve)

    assert fetched.content.startswith(b"<?xml") and resolve.lookups == ["feeds.example", "feeds.example"]
    # The connection went to the address checked, speaking to the host by its name.
    assert [r["Host"] for r in feeds.requests] == [f"feeds.example:{port}"] * 2


def test_more_than_five_redirects_are_refused(feeds):
    for n in range(7):
        feeds.redirect(f"/r{n}", f"/r{n + 1}")
    with pytest.raises(FeedUnavailable, match="viderestiller mere end 5 gange"):
        fetch_feed(feeds.url + "/r0", None, None, FeedLimits(allowed_hosts=("127.0.0.1",)))
    assert feeds.statuses == {302: 6}


def test_a_redirect_to_another_scheme_is_refused(feeds):
    feeds.redirect("/dkr.atom", "file:///etc/passwd")
    with pytest.raises(FeedUnavailable, match="ikke er http"):
        fetch_feed(feeds.url + "/dkr.atom", None, None, FeedLimits(allowed_hosts=("127.0.0.1",)))


def _silent_server(behaviour: str):
    """A TCP server on 127.0.0.1 that is no web server: it accepts and hangs up, or answers garbage."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                if behaviour == "garbage":
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                time.sleep(0.1)

    threading.Thread(target=serve, daemon=True).start()
    return listener


@pytest.mark.parametrize("behaviour", ["closed", "hangs-up", "garbage"])
def test_closed_and_open_ports_give_the_same_message(behaviour):
    listener = None if behaviour == "closed" else _silent_server(behaviour)
    port = listener.getsockname()[1] if listener else free_port()
    try:
        with pytest.raises(FeedUnavailable) as failed:
            fetch_feed(f"http://127.0.0.1:{port}/feed", None, None, FeedLimits(allowed_hosts=("127.0.0.1",)))
    finally:
        if listener:
            listener.close()
    assert str(failed.value) == UNREACHABLE


def test_a_name_that_does_not_resolve_gives_the_same_message_as_an_unreachable_host():
    def nxdomain(host, port):
        raise socket.gaierror("Name or service not known")

    with pytest.raises(FeedUnavailable) as failed:
        fetch_feed("https://findes-ikke.example/feed", None, None, FeedLimits(), nxdomain)
    assert str(failed.value) == UNREACHABLE


def test_a_slow_drip_feed_is_cut_off_at_the_one_deadline(feeds):
    feeds.put("/drip.atom", FEED)
    feeds.drip("/drip.atom", 0.2)  # about two minutes for the whole body, each byte well within a read timeout
    started = time.monotonic()

    with pytest.raises(FeedUnavailable) as failed:
        fetch_feed(feeds.url + "/drip.atom", None, None, FeedLimits(deadline_seconds=2, allowed_hosts=("127.0.0.1",)))

    elapsed = time.monotonic() - started
    assert str(failed.value) == "feedet blev ikke hentet færdigt inden for 2 sekunder"
    assert 1.5 < elapsed < 12  # the deadline, plus room for a loaded machine; never the body's two minutes


def test_the_deadline_covers_every_redirect_hop_together(feeds):
    feeds.put("/drip.atom", FEED)
    feeds.drip("/drip.atom", 0.2)
    feeds.redirect("/start.atom", "/drip.atom")
    started = time.monotonic()
    with pytest.raises(FeedUnavailable, match="inden for 2 sekunder"):
        fetch_feed(feeds.url + "/start.atom", None, None, FeedLimits(deadline_seconds=2, allowed_hosts=("127.0.0.1",)))
    assert time.monotonic() - started < 12


def test_a_body_over_the_cap_is_refused_also_when_it_comes_gzip_compressed(feeds):
    big = atom("Stor", [{"id": f"urn:{n}", "title": "x" * 50, "link": "https://dkr.example/", "summary": "y" * 500}
                        for n in range(2500)])  # about 1.6 MB; gzip makes it a few kB
    feeds.put("/plain.atom", big)
    feeds.put("/gzip.atom", big)
    feeds.gzip("/gzip.atom")
    limits = FeedLimits(max_bytes=2**20, allowed_hosts=("127.0.0.1",))

    for path in ("/plain.atom", "/gzip.atom"):
        with pytest.raises(FeedUnavailable, match="større end 1 MB"):
            fetch_feed(feeds.url + path, None, None, limits)
    small = fetch_feed(feeds.url + "/gzip.atom", None, None, FeedLimits(allowed_hosts=("127.0.0.1",)))
    assert small.content == big.encode("utf-8")
