"""The audit log on a real node process: who saw restricted items (pages, API, search, export), admin acts, the page.

One police node serves throughout (with its managed Meilisearch); a municipality's data directory beside it
asks to peer from the command line, so the peer acts on the admin page have a real pending peer to act on.
"""

from __future__ import annotations

import csv
import io

import pytest
import requests

from tests.helpers.live_nodes import (
    HTTP_TIMEOUT,
    ChildNode,
    LiveNode,
    query,
    queued_index_updates,
    wait_for,
    write_items,
)
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token

DISTRICT = "Østjyllands Politi"
BULLETIN = {"id": "uro-banegaarden", "type": "bulletin", "title": "Uro ved Banegårdspladsen om aftenen",
            "summary": "Flere grupper af unge samles ved banegården efter kl. 20.",
            "audience": {"districts": [DISTRICT]}, "police_districts": [DISTRICT], "municipalities": ["0751"]}
PUBLIC = {"id": "natteravne", "type": "method", "title": "Natteravne i weekenden", "summary": "Voksne på gaden.",
          "audience": "public"}


@pytest.fixture(scope="module")
def politi(tmp_path_factory):
    """The police node, serving, with a bulletin for its district, a public method and one user per role."""
    root = tmp_path_factory.mktemp("audit")
    node = LiveNode(root / "politi", DISTRICT, "police", district=DISTRICT)
    for username, role, name in (("betjent", "reader", "Bodil Betjent"), ("redaktoer", "editor", "Rikke Redaktør"),
                                 ("udgiver", "publisher", "Ulla Udgiver")):
        node.cli("user", "add", username, "--role", role, "--name", name, "--password-stdin", input=PASSWORD + "\n")
    node.publish(write_items(root / "items.jsonl", BULLETIN, PUBLIC))
    try:
        node.start()
        wait_for(lambda: queued_index_updates(node.home) == 0, timeout=90, message="the first indexing run")
        yield node
    finally:
        node.stop()


def item_id(node, local_id: str) -> str:
    return f"{node.id}:{local_id}"


def logged_in(node, username: str) -> requests.Session:
    """A browser-like session of the user, logged in through the form."""
    session = requests.Session()
    csrf = csrf_token(session.get(node.url + "/login", timeout=HTTP_TIMEOUT).text)
    session.post(node.url + "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf},
                 timeout=HTTP_TIMEOUT).raise_for_status()
    return session


def bearer(node, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {node.api_token(username)}"}


def events_about(node, item: str, act: str) -> list[tuple]:
    """(actor name, address, at) of the events of this kind that concern the item, oldest first."""
    return query(node, "SELECT e.actor_name, e.address, e.at FROM audit_events e JOIN audit_event_items i "
                       "ON i.event_id = e.id WHERE i.item_id = ? AND e.act = ? ORDER BY e.id", item, act)


def test_a_district_bulletin_viewed_by_a_police_user_on_its_page_and_in_the_api_is_logged(politi):
    bulletin = item_id(politi, "uro-banegaarden")
    before = query(politi, "SELECT datetime('now')")[0][0]
    page = logged_in(politi, "betjent").get(f"{politi.url}/items/{bulletin}", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and "Uro ved Banegårdspladsen" in page.text
    api = requests.get(f"{politi.url}/api/v1/items/{bulletin}", headers=bearer(politi, "betjent"),
                       timeout=HTTP_TIMEOUT)
    assert api.status_code == 200
    viewed = [(who, address) for who, address, at in events_about(politi, bulletin, "viewed") if at >= before]
    assert viewed == [("betjent", "127.0.0.1"), ("betjent", "127.0.0.1")]


def test_a_public_item_viewed_by_a_logged_in_user_is_not_logged(politi):
    public = item_id(politi, "natteravne")
    assert logged_in(politi, "betjent").get(f"{politi.url}/items/{public}", timeout=HTTP_TIMEOUT).status_code == 200
    assert query(politi, "SELECT count(*) FROM audit_event_items WHERE item_id = ?", public) == [(0,)]


def test_a_search_that_finds_the_restricted_bulletin_is_logged_with_its_words(politi):
    bulletin = item_id(politi, "uro-banegaarden")
    hits = requests.get(f"{politi.url}/api/v1/search", params={"q": "banegården"}, headers=bearer(politi, "betjent"),
                        timeout=HTTP_TIMEOUT).json()["hits"]
    assert bulletin in [h["id"] for h in hits]
    page = logged_in(politi, "betjent").get(f"{politi.url}/sog", params={"q": "banegården"}, timeout=HTTP_TIMEOUT)
    assert f"/items/{bulletin}" in page.text
    searched = query(politi, "SELECT e.actor_name, e.query, e.description FROM audit_events e JOIN audit_event_items i "
                             "ON i.event_id = e.id WHERE i.item_id = ? AND e.act = 'searched' ORDER BY e.id", bulletin)
    assert [(who, words) for who, words, _ in searched] == [("betjent", "q: banegården")] * 2
    assert [where.split(",")[0] for _, _, where in searched] == ["API-søgning", "Søgesiden"]


def test_the_admin_page_filters_by_user_and_by_item_and_its_csv_has_the_rows_and_is_itself_logged(politi):
    bulletin = item_id(politi, "uro-banegaarden")
    logged_in(politi, "redaktoer").get(f"{politi.url}/items/{bulletin}", timeout=HTTP_TIMEOUT)
    logged_in(politi, "betjent").get(f"{politi.url}/bulletiner", timeout=HTTP_TIMEOUT)
    admin = logged_in(politi, "admin")
    by_editor = admin.get(f"{politi.url}/admin/logbog", params={"bruger": "redaktoer"}, timeout=HTTP_TIMEOUT).text
    assert "<small>redaktoer</small>" in by_editor and "<small>betjent</small>" not in by_editor
    assert "Så et begrænset emne" in by_editor and "Uro ved Banegårdspladsen om aftenen" in by_editor
    by_item = admin.get(f"{politi.url}/admin/logbog", params={"emne": f"{politi.url}/items/{bulletin}"},
                        timeout=HTTP_TIMEOUT).text
    assert "Bodil Betjent" in by_item and "Rikke Redaktør" in by_item and "Så en liste med begrænsede emner" in by_item
    exported = admin.get(f"{politi.url}/admin/logbog.csv", params={"emne": bulletin}, timeout=HTTP_TIMEOUT)
    assert exported.headers["Content-Type"].startswith("text/csv") and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Tidspunkt (UTC)", "Handling", "Brugernavn"]
    assert {("redaktoer", "Så et begrænset emne"), ("betjent", "Så en liste med begrænsede emner")} <= {
        (r[2], r[1]) for r in rows[1:]}
    assert all(bulletin in r[8] for r in rows[1:])
    assert query(politi, "SELECT actor_name, query FROM audit_events WHERE act = 'audit_exported'") == [
        ("admin", f"emne: {bulletin}")]


def test_a_user_who_is_not_an_admin_gets_403_on_the_log_page_and_its_csv(politi):
    publisher = logged_in(politi, "udgiver")
    assert publisher.get(f"{politi.url}/admin/logbog", timeout=HTTP_TIMEOUT).status_code == 403
    assert publisher.get(f"{politi.url}/admin/logbog.csv", timeout=HTTP_TIMEOUT).status_code == 403


def test_a_peer_approval_and_block_on_the_admin_page_are_logged_with_the_admin_and_the_peer(politi, tmp_path):
    aarhus = ChildNode(tmp_path / "aarhus")  # asks from the command line; it need not serve
    aarhus.init("Aarhus Kommune", "municipality", municipality="0751")
    aarhus.cli("peer", "add", politi.url)
    assert query(aarhus, "SELECT act, actor_name, subject FROM audit_events") == [
        ("peer_added", "kommandolinje", politi.id)]
    admin = logged_in(politi, "admin")
    for action in ("godkend", "bloker"):
        csrf = csrf_token(admin.get(f"{politi.url}/admin/", timeout=HTTP_TIMEOUT).text)
        answer = admin.post(f"{politi.url}/admin/peers/{aarhus.id}/{action}",
                            data={"csrf_token": csrf, "bekraeftet": "ja"}, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200 and answer.url.endswith("/admin/#forbindelser"), answer.text
    acts = query(politi, "SELECT act, actor_name, address, description FROM audit_events WHERE subject = ? "
                         "ORDER BY id", aarhus.id)
    assert [(act, who, address) for act, who, address, _ in acts] == [
        ("peer_approved", "admin", "127.0.0.1"), ("peer_blocked", "admin", "127.0.0.1")]
    assert acts[0][3] == "Aarhus Kommune (aarhus-kommune) er godkendt"
    page = admin.get(f"{politi.url}/admin/logbog", params={"handling": "peer_blocked"}, timeout=HTTP_TIMEOUT).text
    assert "Blokerede en peer" in page and "Aarhus Kommune (aarhus-kommune) er blokeret" in page


def test_a_bulletin_approval_by_a_second_publisher_is_logged_with_the_author(politi):
    editor, publisher = bearer(politi, "redaktoer"), bearer(politi, "udgiver")
    draft = {key: value for key, value in BULLETIN.items() if key != "id"}
    created = requests.post(f"{politi.url}/api/v1/items", json={**draft, "title": "Graffiti ved stationen"},
                            headers=editor, timeout=HTTP_TIMEOUT).json()
    path = f"{politi.url}/api/v1/items/{created['id']}"
    requests.post(path + "/submit", headers=editor, timeout=HTTP_TIMEOUT).raise_for_status()
    assert requests.post(path + "/publish", headers=publisher, timeout=HTTP_TIMEOUT).json()["status"] == "published"
    approvals = query(politi, "SELECT e.actor_name, e.address, e.description FROM audit_events e JOIN "
                              "audit_event_items i ON i.event_id = e.id WHERE i.item_id = ? AND e.act = ?",
                      created["id"], "bulletin_approved")
    assert approvals == [("udgiver", "127.0.0.1",
                          "Tendensbulletinen »Graffiti ved stationen« er godkendt (skrevet af redaktoer)")]


def test_the_import_approval_and_vidensnet_export_are_logged_as_the_command_line(politi):
    bulletin = item_id(politi, "uro-banegaarden")
    assert events_about(politi, bulletin, "bulletin_approved")[0][:2] == ("kommandolinje", None)
    assert bulletin in {item["id"] for item in politi.export()}
    exports = query(politi, "SELECT e.id, e.actor_kind, e.actor_name FROM audit_events e WHERE e.act = 'exported'")
    assert [(kind, who) for _, kind, who in exports] == [("command_line", "kommandolinje")]
    exported_items = query(politi, "SELECT item_id FROM audit_event_items WHERE event_id = ?", exports[0][0])
    assert (bulletin,) in exported_items and (item_id(politi, "natteravne"),) not in exported_items
