"""`vidensnet key rotate` and `vidensnet key revoke`, run as real child processes on a node's data directory."""

from __future__ import annotations

import json
import sqlite3

from federation.wire import open_envelope
from tests.helpers.live_nodes import vidensnet


def _rows(node_home, sql: str) -> list[tuple]:
    with sqlite3.connect(node_home / "vidensnet.db") as db:
        return db.execute(sql).fetchall()


def test_revoke_before_any_rotation_is_refused(node_home):
    refused = vidensnet(node_home, "key", "revoke", check=False)
    assert refused.returncode != 0 and "noden har aldrig skiftet nøgle" in refused.stderr


def test_rotate_resigns_own_envelopes_and_revoke_puts_a_revocation_signed_with_the_new_key_in_the_feed(
        node_home, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "a", "type": "guidance", "title": "Vejledning", "summary": "Kort.",
                                 "audience": "public"}) + "\n", encoding="utf-8")
    vidensnet(node_home, "import", str(items))
    [(seq_before,)] = _rows(node_home, "SELECT seq FROM envelopes")
    rotated = vidensnet(node_home, "key", "rotate").stdout
    assert "1 egne konvolutter er signeret igen med den nye nøgle" in rotated
    new_key = rotated.split("Ny nøgle: ")[1].split()[0]
    [(seq_after, text)] = _rows(node_home, "SELECT seq, envelope FROM envelopes")
    assert seq_after > seq_before and open_envelope(json.loads(text), new_key)["id"] == "aarhus-kommune:a"

    bad = vidensnet(node_home, "key", "revoke", "--since", "i går", check=False)
    assert bad.returncode != 0 and "--since 'i går': skal være et ISO 8601-tidspunkt" in bad.stderr
    revoked = vidensnet(node_home, "key", "revoke", "--since", "2026-11-20T00:00:00Z").stdout
    assert "er spærret fra 2026-11-20T00:00:00Z" in revoked and "signeret igen" not in revoked
    [(kind, audience, text)] = _rows(node_home, "SELECT kind, audience, envelope FROM envelopes "
                                                "WHERE kind = 'key-revocation'")
    payload = open_envelope(json.loads(text), new_key)
    assert (kind, json.loads(audience), payload["since"]) == ("key-revocation", "network", "2026-11-20T00:00:00Z")
    unknown = vidensnet(node_home, "key", "revoke", "--key", new_key, check=False)
    assert unknown.returncode != 0 and "--key: ikke en tidligere nøgle" in unknown.stderr
