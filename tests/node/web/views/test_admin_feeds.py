"""Feed subscriptions on the admin page: subscribing and "Opdatér nu" only queue (the scheduler fetches), states
and errors shown in Danish, internal addresses refused, the review option, unsubscribe; CSRF-protected.
The in-process tests run the scheduler's cycle by hand; the live one watches a real node's scheduler."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from node.audit.models import AuditEvent
from node.core.config import FeedLimits
from node.core.models import FeedSubscription, Item
from node.subscriptions.service import run_cycle
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.feed_server import FeedServer, atom
from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, wait_for
from tests.helpers.nodes import PASSWORD, acting_node
from tests.helpers.web import csrf_token, login
from tests.node.web.views.admin_english import in_english

ENTRY = {"id": "urn:dkr:1", "title": "Ny vejledning om bekymringssamtaler", "link": "https://dkr.example/bekymring",
         "summary": "Sådan forbereder I en bekymringssamtale."}
LEAKING = {"id": "urn:dkr:2", "title": "Sag fra skolen", "link": "https://dkr.example/sag",
           "summary": "Ring til forælder på 23 45 67 89."}
LIMITS = FeedLimits(allowed_hosts=("127.0.0.1",))
REFUSED = "url: adressen er ikke tilladt: den peger på et internt net"


@pytest.fixture
def allowed(monkeypatch):
    """The node's configuration allows 127.0.0.1, where the feed server runs (set before the app is made)."""
    monkeypatch.setenv("VIDENSNET_FEED_ALLOWED_HOSTS", "127.0.0.1")


@pytest.fixture
def admin(allowed, app, users):
    client = app.test_client()
    login(client, "admin")
    return client


def _post(admin, path: str, **data):
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    return admin.post(path, data={"csrf_token": token, **data})


def _row(page: str, url: str) -> str:
    before, after = page.split(f"<code>{url}</code>")
    return before.rsplit("<tr>", 1)[1] + after.split("</tr>")[0]


def _scheduler(sessions) -> None:
    run_cycle(sessions, acting_node(), LIMITS)


def test_subscribing_only_queues_the_feed_and_the_background_cycle_fetches_and_shows_it(admin, feeds, sessions):
    url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY, LEAKING]))

    response = _post(admin, "/admin/feeds", url=url)

    assert response.status_code == 302 and feeds.statuses == {}
    page = admin.get("/admin/").get_data(as_text=True)
    assert "hentes om lidt i baggrunden" in page and "Venter på hentning" in _row(page, url)
    _scheduler(sessions)
    row = _row(admin.get("/admin/").get_data(as_text=True), url)
    assert "Det Kriminalpræventive Råd" in row and "Aktiv" in row and "<td>1</td>" in row
    assert "Udgives straks" in row  # the form's box was not ticked
    assert "Indslag 2: Resumé: indeholder et telefonnummer" in row and "23 45 67 89" not in row
    with sessions() as session:
        assert session.scalars(select(Item.title)).all() == [ENTRY["title"]]


def test_with_the_review_box_ticked_entries_wait_for_review_and_are_no_items(admin, feeds, sessions):
    url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY]))
    _post(admin, "/admin/feeds", url=url, gennemsyn="til")
    _scheduler(sessions)

    row = _row(admin.get("/admin/").get_data(as_text=True), url)

    assert "Holdes til gennemsyn" in row and "1 venter" in row and "<td>0</td>" in row
    with sessions() as session:
        assert session.scalars(select(Item)).all() == []
        subscription_id = session.scalar(select(FeedSubscription.id))
    _post(admin, f"/admin/feeds/{subscription_id}/gennemsyn", gennemsyn="fra")
    assert "Udgives straks" in _row(admin.get("/admin/").get_data(as_text=True), url)


def test_refresh_now_queues_the_feed_and_unsubscribe_keeps_the_items_and_both_acts_are_in_the_audit_log(
        admin, feeds, sessions):
    url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY]))
    _post(admin, "/admin/feeds", url=url)
    _scheduler(sessions)
    with sessions() as session:
        subscription_id = session.scalar(select(FeedSubscription.id))

    _post(admin, f"/admin/feeds/{subscription_id}/opdater")
    assert "Venter på hentning" in _row(admin.get("/admin/").get_data(as_text=True), url)
    assert feeds.statuses == {200: 1}
    _scheduler(sessions)
    assert feeds.statuses == {200: 1, 304: 1}

    _post(admin, f"/admin/feeds/{subscription_id}/afmeld", bekraeftet="ja")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "er afmeldt" in page and "Ingen abonnementer endnu." in page
    with sessions() as session:
        assert session.scalars(select(Item.status)).all() == ["published"]
        acts = session.execute(select(AuditEvent.act, AuditEvent.actor_name, AuditEvent.subject)
                               .order_by(AuditEvent.id)).all()
    assert acts == [("feed_subscribed", "admin", url), ("feed_unsubscribed", "admin", url)]


def test_failing_feed_shows_backing_off_with_its_danish_error(admin, feeds, sessions):
    feeds.fail("/dkr.atom", 500)
    _post(admin, "/admin/feeds", url=feeds.url + "/dkr.atom")
    _scheduler(sessions)

    page = admin.get("/admin/").get_data(as_text=True)
    assert "Venter efter fejl" in page and "1 fejl i træk" in page and "serveren svarede HTTP 500" in page


def test_bad_feed_address_is_refused_with_a_danish_message_and_nothing_stored(admin, sessions):
    response = _post(admin, "/admin/feeds", url="javascript:alert(1)")

    assert response.status_code == 422
    assert "url: skal være en http(s)-adresse" in response.get_data(as_text=True)
    with sessions() as session:
        assert session.scalars(select(FeedSubscription)).all() == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/dkr.atom", "http://localhost:{port}/dkr.atom",
                                 "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:{port}/"])
def test_without_the_allow_list_a_loopback_or_metadata_feed_is_refused_by_the_form(app, users, feeds, sessions, url):
    feeds.put("/dkr.atom", atom("Intern hemmelighed", [ENTRY]))
    client = app.test_client()
    login(client, "admin")

    response = _post(client, "/admin/feeds", url=url.format(port=feeds.httpd.server_address[1]))

    page = response.get_data(as_text=True)
    assert response.status_code == 422 and REFUSED in page and feeds.statuses == {}
    with sessions() as session:
        assert session.scalars(select(FeedSubscription)).all() == []


def test_only_admins_may_subscribe_and_a_post_without_csrf_token_is_refused(app, users, admin, sessions):
    publisher = app.test_client()
    login(publisher, "publisher")
    token = csrf_token(publisher.get("/").get_data(as_text=True))  # the logout form carries one
    refused = publisher.post("/admin/feeds", data={"csrf_token": token, "url": "https://dkr.example/feed"})
    assert refused.status_code == 403
    assert admin.post("/admin/feeds", data={"url": "https://dkr.example/feed"}).status_code == 400
    with sessions() as session:
        assert session.scalars(select(FeedSubscription)).all() == []


def _logged_in(node: LiveNode) -> requests.Session:
    session = requests.Session()
    page = session.get(node.url + "/login", timeout=HTTP_TIMEOUT).text
    session.post(node.url + "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(page)},
                 timeout=HTTP_TIMEOUT)
    return session


def _state(session: requests.Session, node: LiveNode, url: str) -> str:
    return _row(session.get(node.url + "/admin/", timeout=HTTP_TIMEOUT).text, url)


def test_a_running_node_answers_the_subscribe_form_at_once_and_its_scheduler_fetches_in_the_background(
        tmp_path, monkeypatch):
    monkeypatch.setenv("VIDENSNET_FEED_ALLOWED_HOSTS", "127.0.0.1")
    # Longer than the gate below may hold the answer, so a slow machine cannot turn the held fetch into a timeout.
    monkeypatch.setenv("VIDENSNET_FEED_DEADLINE_SECONDS", "90")
    node = LiveNode(tmp_path / "dkr", "Det Kriminalpræventive Råd", "national")
    with FeedServer() as feeds:
        url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY]))
        release = feeds.gate("/dkr.atom")  # the feed answers only when the test says so
        node.start()
        try:
            admin = _logged_in(node)
            form = admin.get(node.url + "/admin/", timeout=HTTP_TIMEOUT).text
            answer = admin.post(node.url + "/admin/feeds", data={"csrf_token": csrf_token(form), "url": url,
                                                                 "gennemsyn": "til"}, timeout=HTTP_TIMEOUT)
            # The form was answered although the feed has not answered: nothing was fetched in the request.
            assert answer.status_code == 200 and "hentes om lidt i baggrunden" in answer.text
            wait_for(lambda: feeds.seen("/dkr.atom"), message="the scheduler to start fetching")
            assert "Henter nu" in _state(admin, node, url)
            release.set()
            row = wait_for(lambda: "Aktiv" in (r := _state(admin, node, url)) and r, message="the fetch to finish")
        finally:
            release.set()
            node.stop()
    assert "Det Kriminalpræventive Råd" in row and "1 venter" in row


def test_the_feeds_section_and_its_messages_speak_english_with_the_feed_title_marked_danish(admin, feeds, sessions):
    url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY, LEAKING]))
    in_english(admin)
    created = admin.get(_post(admin, "/admin/feeds", url=url).headers["Location"]).get_data(as_text=True)
    assert "The subscription has been created." in created and danish_leftovers(created) == []
    _scheduler(sessions)
    row = _row(admin.get("/admin/").get_data(as_text=True), url)
    assert '<span lang="da">Det Kriminalpræventive Råd</span>' in row and "Published at once" in row
    assert "Entry 2:" in row and "Hold new entries for review" in row and "Update now" in row
    with sessions() as session:
        subscription_id = session.scalars(select(FeedSubscription.id)).one()
    held = admin.get(_post(admin, f"/admin/feeds/{subscription_id}/gennemsyn", gennemsyn="til").headers["Location"])
    page = held.get_data(as_text=True)
    assert '<span lang="da">Det Kriminalpræventive Råd</span> are now held for review.' in page
    assert danish_leftovers(page) == []


def test_a_refused_subscription_is_told_in_english(admin):
    in_english(admin)
    response = _post(admin, "/admin/feeds", url="ftp://nowhere")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "url: must be an http(s) address of an Atom or RSS feed" in page
    assert danish_leftovers(page) == []
