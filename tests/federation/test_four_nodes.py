"""Four real nodes on 127.0.0.1: Aarhus and Randers — Østjyllands Politi — Det Kriminalpræventive Råd.

Each node is a separate `vidensnet run` process with its own data directory;
items travel only through the federation's HTTP endpoints. One federation serves the whole module (starting
four nodes and peering them is the slow part): items, plans and endorsements, each test with its own ids.
"""

from __future__ import annotations

import html
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, query, wait_for, write_items
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token

DISTRICT = "Østjyllands Politi"


def practice(local_id: str, **fields) -> dict:
    return {"id": local_id, "type": "practice", "title": f"Praksis {local_id}", "summary": "Et praksiseksempel.",
            "audience": "public", "municipalities": ["0751"], **fields}


def held_version(node, item_id: str) -> int | None:
    item = node.item(item_id)
    return item["version"] if item else None


def test_public_item_from_a_municipality_reaches_every_node_through_the_district(four_nodes, tmp_path):
    aarhus, randers, dkr = four_nodes["aarhus"], four_nodes["randers"], four_nodes["dkr"]
    aarhus.publish(write_items(tmp_path / "a.jsonl", practice("natteravne")))
    item_id = "aarhus-kommune:natteravne"
    for node in (randers, dkr):
        wait_for(lambda: node.item(item_id), message=f"{item_id} at {node.id}")
    assert dkr.item(item_id)["origin"] == "aarhus-kommune"
    # ... and it is searchable there: the replica went through dkr's search outbox.
    wait_for(lambda: [h["id"] for h in requests.get(dkr.url + "/api/v1/search", params={"q": "natteravne"},
                                                    timeout=HTTP_TIMEOUT).json()["hits"]] == [item_id],
             message="search at dkr")
    # dkr never peered with Aarhus: it accepted Aarhus' key on the district node's endorsement.
    assert query(dkr, "SELECT vouched_by FROM known_nodes WHERE id = ?", "aarhus-kommune") == [("oestjyllands-politi",)]


def test_peer_list_and_sync_show_every_peer_with_its_state(four_nodes):
    politi, dkr = four_nodes["politi"], four_nodes["dkr"]
    expected = {("aarhus-kommune", "approved"), ("randers-kommune", "approved"), (dkr.id, "approved")}
    # A peer approved on one side first may fail one pull and back off; the other side's approval wakes it.
    def peer_states():
        return {(p["id"], p["status"]) for p in json.loads(politi.cli("peer", "list", "--json").stdout)}
    wait_for(lambda: peer_states() == expected, message="all peers approved")
    peers = json.loads(politi.cli("peer", "list", "--json").stdout)
    assert all(p["url"].startswith("http://127.0.0.1:") and p["last_error"] is None for p in peers)
    lines = politi.cli("sync").stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == sorted(["aarhus-kommune", dkr.id, "randers-kommune"])


def test_update_and_retraction_propagate_to_the_far_end(four_nodes, tmp_path):
    aarhus, dkr, randers = four_nodes["aarhus"], four_nodes["dkr"], four_nodes["randers"]
    item_id = "aarhus-kommune:mentor"
    aarhus.publish(write_items(tmp_path / "v1.jsonl", practice("mentor")))
    wait_for(lambda: held_version(dkr, item_id) == 1, message="version 1 at dkr")
    aarhus.publish(write_items(tmp_path / "v2.jsonl", practice("mentor", summary="Ny udgave.")))
    wait_for(lambda: held_version(dkr, item_id) == 2, message="version 2 at dkr")
    assert dkr.item(item_id)["summary"] == "Ny udgave."
    aarhus.cli("retract", item_id)
    for node in (dkr, randers):
        wait_for(lambda: node.item(item_id) is None, message=f"retraction at {node.id}")
        assert query(node, "SELECT count(*) FROM items WHERE id = ?", item_id) == [(0,)]
    for node in (aarhus, dkr):  # the origin, and a replica two hops away: 410 saying who and when, not a bare 404
        gone = requests.get(f"{node.url}/items/{item_id}", timeout=HTTP_TIMEOUT)
        assert gone.status_code == 410 and "Trukket tilbage af Aarhus Kommune den " in gone.text


def test_expiry_propagates_and_removes_the_item_everywhere(four_nodes, tmp_path):
    aarhus, dkr = four_nodes["aarhus"], four_nodes["dkr"]
    expires = (datetime.now(UTC) + timedelta(seconds=25)).isoformat()
    aarhus.publish(write_items(tmp_path / "e.jsonl", practice("kortlivet", expires_at=expires)))
    wait_for(lambda: dkr.item("aarhus-kommune:kortlivet"), timeout=20, message="item at dkr")
    wait_for(lambda: dkr.item("aarhus-kommune:kortlivet") is None, timeout=60, message="expiry at dkr")
    # dkr hides the item at its expiry by itself; the origin's signed tombstone follows.
    wait_for(lambda: query(dkr, "SELECT kind FROM envelopes WHERE item_id = ?", "aarhus-kommune:kortlivet")
             == [("tombstone",)], message="the tombstone at dkr")
    assert query(aarhus, "SELECT status FROM items WHERE id = ?", "aarhus-kommune:kortlivet") == [("expired",)]
    assert query(dkr, "SELECT count(*) FROM items WHERE id = ?", "aarhus-kommune:kortlivet") == [(0,)]


def test_district_bulletin_reaches_both_municipalities_and_never_the_national_node(four_nodes, tmp_path):
    politi, aarhus, randers, dkr = (four_nodes[n] for n in ("politi", "aarhus", "randers", "dkr"))
    bulletin = {"id": "knallerttyveri", "type": "bulletin", "title": "Knallerttyveri i Østjylland",
                "summary": "Flere anmeldte tyverier.", "police_districts": [DISTRICT],
                "details": {"observations": [{"label": "Anmeldte tyverier", "count": 17}]}}
    politi.publish(write_items(tmp_path / "b.jsonl", bulletin, practice("markoer", municipalities=["0730"])))
    for node in (aarhus, randers):
        wait_for(lambda: node.item("oestjyllands-politi:knallerttyveri"), message=f"bulletin at {node.id}")
    wait_for(lambda: dkr.item("oestjyllands-politi:markoer"), message="the later public item at dkr")
    assert dkr.item("oestjyllands-politi:knallerttyveri") is None
    assert query(dkr, "SELECT count(*) FROM envelopes WHERE item_id LIKE '%knallerttyveri'") == [(0,)]
    anonymous = requests.get(aarhus.url + "/api/v1/items/oestjyllands-politi:knallerttyveri", timeout=HTTP_TIMEOUT)
    assert anonymous.status_code == 404  # held by Aarhus, but not public


def test_narrowing_an_items_audience_to_the_district_removes_it_from_the_national_node(four_nodes, tmp_path):
    aarhus, randers, dkr = four_nodes["aarhus"], four_nodes["randers"], four_nodes["dkr"]
    item_id = "aarhus-kommune:ungegruppe"
    aarhus.publish(write_items(tmp_path / "1.jsonl", practice("ungegruppe", audience="network")))
    wait_for(lambda: query(dkr, "SELECT version FROM items WHERE id = ?", item_id) == [(1,)], message="v1 at dkr")
    narrowed = practice("ungegruppe", audience={"districts": [DISTRICT]}, summary="Kun for Østjylland nu.")
    aarhus.publish(write_items(tmp_path / "2.jsonl", narrowed))
    wait_for(lambda: held_version(randers, item_id) == 2, message="v2 at randers")
    # dkr never peered with Aarhus: the district node passed the origin's signed withdrawal on.
    wait_for(lambda: query(dkr, "SELECT count(*) FROM items WHERE id = ?", item_id) == [(0,)], message="gone at dkr")
    assert query(dkr, "SELECT kind, version, received_from FROM envelopes WHERE item_id = ?", item_id) == [
        ("withdrawal", 2, "oestjyllands-politi")]
    assert randers.item(item_id)["summary"] == "Kun for Østjylland nu."


def test_tampered_body_is_rejected_and_a_replayed_older_version_is_ignored(four_nodes, tmp_path):
    aarhus, politi, randers = four_nodes["aarhus"], four_nodes["politi"], four_nodes["randers"]
    item_id = "aarhus-kommune:hjemmebesoeg"
    aarhus.publish(write_items(tmp_path / "1.jsonl", practice("hjemmebesoeg", body="Første udgave.")))
    wait_for(lambda: held_version(randers, item_id) == 1, message="v1 at randers")
    [(old_envelope,)] = query(politi, "SELECT envelope FROM envelopes WHERE item_id = ?", item_id)
    aarhus.publish(write_items(tmp_path / "2.jsonl", practice("hjemmebesoeg", body="Anden udgave.")))
    wait_for(lambda: held_version(randers, item_id) == 2, message="v2 at randers")

    # The district node turns hostile: it re-serves version 1 as news, then a forged version 3.
    _reserve(politi, item_id, 1, old_envelope)
    forged = json.loads(query(politi, "SELECT envelope FROM envelopes WHERE item_id = ?", item_id)[0][0])
    forged["payload"]["version"] = 3
    forged["payload"]["content"]["body"] = "Anden udgavE."  # one byte changed
    _reserve(politi, item_id, 3, json.dumps(forged, ensure_ascii=False))
    wait_for(lambda: query(randers, "SELECT reason FROM rejections WHERE item_id = ?", item_id), message="rejection")

    assert query(randers, "SELECT reason FROM rejections WHERE item_id = ?", item_id) == [("bad signature",)]
    item = randers.item(item_id)
    assert (item["version"], item["body"]) == (2, "Anden udgave.")


def _reserve(node, item_id: str, version: int, envelope: str) -> None:
    with sqlite3.connect(node.home / "vidensnet.db") as db:
        row = db.execute("SELECT origin, kind, audience, received_from, stored_at FROM envelopes WHERE item_id = ?",
                         (item_id,)).fetchone()
        db.execute("DELETE FROM envelopes WHERE item_id = ?", (item_id,))
        db.execute("INSERT INTO envelopes (item_id, origin, version, kind, audience, envelope, received_from,"
                   " stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (item_id, row[0], version, row[1], row[2], envelope, row[3], row[4]))


def test_node_that_was_down_catches_up_when_it_returns(four_nodes, tmp_path):
    aarhus, randers = four_nodes["aarhus"], four_nodes["randers"]
    randers.stop()
    aarhus.publish(write_items(tmp_path / "m.jsonl", *(practice(f"mens-nede-{n}") for n in range(5))))
    aarhus.cli("retract", "aarhus-kommune:natteravne")
    randers.start()
    for n in range(5):
        wait_for(lambda: randers.item(f"aarhus-kommune:mens-nede-{n}"), message=f"item {n} at randers")
    wait_for(lambda: randers.item("aarhus-kommune:natteravne") is None, message="retraction at randers")


def test_rotated_key_is_learned_by_peers_and_by_nodes_further_away(four_nodes, tmp_path):
    randers, politi, dkr = four_nodes["randers"], four_nodes["politi"], four_nodes["dkr"]
    randers.publish(write_items(tmp_path / "old.jsonl", practice("foer-rotation", municipalities=["0730"])))
    wait_for(lambda: dkr.item("randers-kommune:foer-rotation"), message="the pre-rotation item at dkr")
    randers.stop()
    output = randers.cli("key", "rotate").stdout
    assert "oestjyllands-politi: kender nu den nye nøgle" in output
    randers.start()
    randers.publish(write_items(tmp_path / "new.jsonl", practice("efter-rotation", municipalities=["0730"])))
    wait_for(lambda: dkr.item("randers-kommune:efter-rotation"), message="the post-rotation item at dkr")
    new_key = requests.get(randers.url + "/.well-known/vidensnet", timeout=HTTP_TIMEOUT).json()["payload"]["public_key"]
    for node in (politi, dkr):
        assert query(node, "SELECT public_key FROM known_nodes WHERE id = 'randers-kommune'") == [(new_key,)]
    assert query(dkr, "SELECT count(*) FROM rejections WHERE item_id = 'randers-kommune:efter-rotation'") == [(0,)]


def test_kill_9_during_a_sync_loses_nothing_and_duplicates_nothing(four_nodes, tmp_path):
    aarhus, politi, randers = four_nodes["aarhus"], four_nodes["politi"], four_nodes["randers"]
    count = 1500
    randers.stop()
    aarhus.publish(write_items(tmp_path / "bulk.jsonl", *(practice(f"bulk-{n}") for n in range(count))))
    wait_for(lambda: _bulk_count(politi) == count, timeout=120, message="bulk at the district node")
    randers.start()
    wait_for(lambda: _bulk_count(randers) > 0, timeout=60, interval=0.02, message="the sync to start")
    randers.kill()
    partial = _bulk_count(randers)
    randers.start()
    wait_for(lambda: _bulk_count(randers) == count, timeout=120, message="all bulk items at randers")
    assert partial < count, "the kill came after the sync had finished; the test proved nothing"
    assert query(randers, "SELECT count(*), count(DISTINCT item_id), min(version), max(version) FROM envelopes "
                          "WHERE item_id LIKE 'aarhus-kommune:bulk-%'") == [(count, count, 1, 1)]


def _bulk_count(node) -> int:
    return query(node, "SELECT count(*) FROM items WHERE id LIKE 'aarhus-kommune:bulk-%'")[0][0]


def reader_of(node) -> tuple[requests.Session, dict[str, str]]:
    """A reader of the node: a browser-like session logged in to its pages, and an API token header."""
    node.cli("user", "add", "laeser", "--role", "reader", "--password-stdin", input=PASSWORD + "\n")
    token = node.cli("user", "token", "laeser").stdout.strip()
    session = requests.Session()
    csrf = csrf_token(session.get(node.url + "/login", timeout=HTTP_TIMEOUT).text)
    session.post(node.url + "/login", data={"username": "laeser", "password": PASSWORD, "csrf_token": csrf},
                 timeout=HTTP_TIMEOUT).raise_for_status()
    return session, {"Authorization": f"Bearer {token}"}


def search_hits(node, word: str, headers: dict[str, str]) -> list[str]:
    response = requests.get(node.url + "/api/v1/search", params={"q": word}, timeout=HTTP_TIMEOUT, headers=headers)
    return [hit["id"] for hit in response.json()["hits"]]


def in_feeds(node, item_id: str) -> bool:
    feeds = ("/feeds/alle.atom", "/feeds/alle.rss", "/feeds/type/bulletin.atom", "/feeds/node/oestjyllands-politi.atom")
    return any(item_id in requests.get(node.url + feed, timeout=HTTP_TIMEOUT).text for feed in feeds)


def test_expired_bulletin_is_gone_from_pages_api_search_and_feeds_on_every_node(four_nodes, tmp_path):
    politi, aarhus, randers, dkr = (four_nodes[n] for n in ("politi", "aarhus", "randers", "dkr"))
    item_id, holders = "oestjyllands-politi:knallertbanden", (politi, aarhus, randers)
    readers = {node.id: reader_of(node) for node in (*holders, dkr)}
    expires = datetime.now(UTC) + timedelta(seconds=40)
    politi.publish(write_items(tmp_path / "x.jsonl", {
        "id": "knallertbanden", "type": "bulletin", "title": "Knallertbanden ved stationerne",
        "summary": "En gruppe unge på knallert ses ved flere stationer.", "police_districts": [DISTRICT],
        "expires_at": expires.isoformat(), "details": {"observations": [{"label": "Episoder", "count": 12}]}}))

    def shown(node) -> tuple[bool, bool]:
        """Whether the API and the page show the item (two requests: they may fall either side of the expiry)."""
        page, headers = readers[node.id]
        api = requests.get(f"{node.url}/api/v1/items/{item_id}", headers=headers, timeout=HTTP_TIMEOUT)
        return api.status_code == 200, page.get(f"{node.url}/items/{item_id}", timeout=HTTP_TIMEOUT).status_code == 200

    def before_expiry() -> bool:
        return datetime.now(UTC) < expires

    for node in holders:
        # On a busy machine indexing may take until past the expiry; then there is nothing to see before it.
        wait_for(lambda: item_id in search_hits(node, "knallertbanden", readers[node.id][1]) or not before_expiry(),
                 timeout=60, message=f"searchable at {node.id}")
        seen = shown(node)
        if before_expiry():  # both answers came before the expiry instant: both must show the item
            assert seen == (True, True), f"page and API before expiry at {node.id}: {seen}"
    for node in holders:
        wait_for(lambda: shown(node) == (False, False), timeout=90, message=f"expiry at {node.id}")
    for node in (*holders, dkr):
        assert shown(node) == (False, False) and not in_feeds(node, item_id)
        assert item_id not in search_hits(node, "knallertbanden", readers[node.id][1])
    for node in (aarhus, randers):  # the origin's signed tombstone reached the replicas and removed them
        wait_for(lambda: query(node, "SELECT kind FROM envelopes WHERE item_id = ?", item_id) == [("tombstone",)],
                 message=f"the tombstone at {node.id}")
        assert query(node, "SELECT count(*) FROM items WHERE id = ?", item_id) == [(0,)]
    assert query(politi, "SELECT status FROM items WHERE id = ?", item_id) == [("expired",)]
    assert query(dkr, "SELECT count(*) FROM envelopes WHERE item_id = ?", item_id) == [(0,)]


# Plan endorsements: Aarhus publishes a plan with Randers as a participant; Randers endorses it; the endorsement
# reaches Aarhus through the district node's relay, and the national node.

PLAN_ID = "aarhus-kommune:ungeindsats-2027"
PLAN = {"id": "ungeindsats-2027", "type": "plan", "title": "Fælles ungeindsats 2027",
        "summary": "Aarhus og Randers samarbejder om unge, der bevæger sig mellem kommunerne.", "audience": "network",
        "municipalities": ["0751", "0730"],
        "details": {"participating_municipalities": ["0751", "0730"], "goals": "Færre unge i kriminelle grupper."}}


def endorsements(node) -> list[dict]:
    item = node.item(PLAN_ID)
    return item["endorsements"] if item else []


def test_randers_endorsement_of_aarhus_plan_reaches_aarhus_through_the_district_node_and_the_national_node(
        four_nodes, tmp_path):
    aarhus, randers, politi, dkr = (four_nodes[n] for n in ("aarhus", "randers", "politi", "dkr"))
    aarhus.publish(write_items(tmp_path / "plan.jsonl", PLAN))
    wait_for(lambda: randers.item(PLAN_ID), message="the plan at randers")
    assert randers.cli("plan", "endorse", PLAN_ID).stdout.strip() == f"{PLAN_ID}: tilsluttet version 1"
    assert randers.cli("plan", "endorse", PLAN_ID).stdout.strip() == f"{PLAN_ID}: allerede tilsluttet version 1"

    for node in (aarhus, dkr):
        wait_for(lambda: endorsements(node), message=f"the endorsement at {node.id}")
    [seen] = endorsements(aarhus)
    assert (seen["endorser"], seen["endorser_name"], seen["municipality"], seen["version"], seen["current"]) == (
        "randers-kommune", "Randers Kommune", "0730", 1, True)
    # Aarhus never peered with Randers: the district node relayed the endorsement, signed by Randers.
    assert query(aarhus, "SELECT received_from, subject FROM envelopes WHERE kind = 'plan-endorsement'") == [
        ("oestjyllands-politi", PLAN_ID)]
    assert query(dkr, "SELECT received_from FROM envelopes WHERE kind = 'plan-endorsement'") == [
        ("oestjyllands-politi",)]
    assert query(politi, "SELECT count(*) FROM rejections") == [(0,)]

    # A network plan: anonymous visitors see neither it nor its endorsements.
    assert requests.get(f"{aarhus.url}/items/{PLAN_ID}", timeout=HTTP_TIMEOUT).status_code == 404
    assert requests.get(f"{aarhus.url}/api/v1/items/{PLAN_ID}", timeout=HTTP_TIMEOUT).status_code == 404


def test_the_national_node_holding_the_plan_may_not_endorse_it(four_nodes):
    dkr = four_nodes["dkr"]
    wait_for(lambda: dkr.item(PLAN_ID), message="the plan at dkr")
    refused = dkr.cli("plan", "endorse", PLAN_ID, check=False)
    assert refused.returncode != 0 and "deltagende kommuner" in refused.stderr


def test_the_plan_page_on_aarhus_shows_randers_endorsement_of_version_1_to_a_logged_in_user(four_nodes):
    aarhus = four_nodes["aarhus"]
    wait_for(lambda: endorsements(aarhus), message="the endorsement at aarhus")
    session = requests.Session()
    login_page = session.get(f"{aarhus.url}/login", timeout=HTTP_TIMEOUT).text
    session.post(f"{aarhus.url}/login", data={"username": "admin", "password": PASSWORD,
                                              "csrf_token": csrf_token(login_page)}, timeout=HTTP_TIMEOUT)
    page = html.unescape(session.get(f"{aarhus.url}/items/{PLAN_ID}", timeout=HTTP_TIMEOUT).text)
    section = page.split("Tilslutninger", 1)[1]
    # The endorser by its name; its id only on hover.
    assert '<span title="randers-kommune">Randers Kommune</span>' in section and "Version 1" in section
    assert "<code>randers-kommune</code>" not in section
    assert "Tilslut kommunen til version 1" in section  # Aarhus takes part too and has not endorsed yet
