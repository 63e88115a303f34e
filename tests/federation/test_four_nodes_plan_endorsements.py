"""Plan endorsements across four real nodes: Aarhus and Randers — Østjyllands Politi — Det Kriminalpræventive Råd.

Aarhus publishes a plan with Randers as a participant; Randers endorses it; the
endorsement reaches Aarhus through the district node's relay, and the national node.
"""

from __future__ import annotations

import html

import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, query, wait_for, write_items
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token

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
