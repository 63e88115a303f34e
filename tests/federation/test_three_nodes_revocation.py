"""Three real nodes, Aarhus — Østjyllands Politi — Det Kriminalpræventive Råd: Aarhus rotates and revokes its old
key, and the national node, which knows Aarhus only through the district node, refuses what the old key signs after.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from federation.tokens import issue_token
from federation.wire import item_payload, seal
from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, peer, query, stop_all, wait_for, write_items

AARHUS = "aarhus-kommune"
REVOCATIONS = "SELECT count(*) FROM envelopes WHERE kind = 'key-revocation'"


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """Aarhus peered with the district node, the district node with the national node; nothing else."""
    root = tmp_path_factory.mktemp("revocation")
    nodes = (LiveNode(root / "aarhus", "Aarhus Kommune", "municipality", municipality="0751"),
             LiveNode(root / "politi", "Østjyllands Politi", "police", district="Østjyllands Politi"),
             LiveNode(root / "dkr", "Det Kriminalpræventive Råd", "national"))
    try:
        for node in nodes:
            node.start()
        peer(nodes[0], nodes[1])
        peer(nodes[1], nodes[2])
        yield nodes
    finally:
        stop_all(nodes)


def practice(local_id: str) -> dict:
    return {"id": local_id, "type": "practice", "title": f"Praksis {local_id}", "summary": "Et praksiseksempel.",
            "audience": "public", "municipalities": ["0751"]}


def thief_item(old_key) -> dict:
    """A public item in Aarhus' name, signed now with its archived (stolen) old key."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    item = {"id": f"{AARHUS}:stjaalet", "origin": AARHUS, "version": 1, "published_at": now, "type": "practice",
            "title": "Falsk praksis", "summary": "Signeret med en stjålet nøgle.", "body": "", "audience": "public",
            "tags": [], "municipalities": ["0751"], "police_districts": [], "prevention_level": None,
            "target_groups": [], "cooperation": [], "expires_at": None, "details": {}}
    return seal(item_payload(item), old_key)


def relay_holds(node, envelope: dict) -> None:
    """Put an envelope in a running node's feed directly, as a relay that took it before the revocation would."""
    with sqlite3.connect(node.home / "vidensnet.db", timeout=30) as db:
        db.execute("INSERT INTO envelopes (item_id, origin, version, kind, audience, envelope, received_from, "
                   "stored_at) VALUES (?, ?, 1, 'item', '\"public\"', ?, ?, ?)",
                   (envelope["payload"]["id"], AARHUS, json.dumps(envelope, ensure_ascii=False), AARHUS,
                    datetime.now(UTC).replace(tzinfo=None).isoformat(" ")))


def test_a_node_that_learns_only_through_a_relay_refuses_what_the_revoked_key_signed_after_since(chain, tmp_path):
    aarhus, politi, dkr = chain
    aarhus.publish(write_items(tmp_path / "old.jsonl", practice("foer-skiftet")))
    wait_for(lambda: dkr.item(f"{AARHUS}:foer-skiftet"), timeout=60, message="the pre-rotation item at dkr")

    aarhus.stop()
    assert "oestjyllands-politi: kender nu den nye nøgle" in aarhus.cli("key", "rotate").stdout
    assert "er spærret fra" in aarhus.cli("key", "revoke").stdout
    aarhus.start()
    wait_for(lambda: query(dkr, REVOCATIONS) == [(1,)], timeout=60, message="the revocation at dkr, through politi")
    new_key = requests.get(aarhus.url + "/.well-known/vidensnet", timeout=HTTP_TIMEOUT).json()["payload"]["public_key"]
    assert query(dkr, "SELECT public_key FROM known_nodes WHERE id = ?", AARHUS) == [(new_key,)]
    assert query(dkr, "SELECT revoked_since IS NOT NULL FROM retired_keys WHERE node_id = ?", AARHUS) == [(1,)]

    old_key = serialization.load_pem_private_key((aarhus.home / "keys" / "node.key.1.old").read_bytes(), None)
    relay_holds(politi, thief_item(old_key))
    wait_for(lambda: query(dkr, "SELECT reason FROM rejections WHERE item_id = ?", f"{AARHUS}:stjaalet"),
             timeout=60, message="dkr's refusal of the item signed with the revoked key")
    [(reason,)] = query(dkr, "SELECT reason FROM rejections WHERE item_id = ?", f"{AARHUS}:stjaalet")
    assert "spærret fra" in reason and "published_at ligger ikke før" in reason
    assert dkr.item(f"{AARHUS}:stjaalet") is None
    assert dkr.item(f"{AARHUS}:foer-skiftet") is not None  # signed before `since`: kept

    # The old key cannot authenticate as Aarhus either: tokens verify with the current key only.
    token = issue_token(old_key, AARHUS, politi.id, method="GET", url=politi.url + "/federation/v1/changes")
    answer = requests.get(politi.url + "/federation/v1/changes", headers={"Authorization": f"Bearer {token}"},
                          timeout=HTTP_TIMEOUT)
    assert answer.status_code == 401
