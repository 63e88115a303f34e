"""The network picture (admin and public), and each peer's pull history page."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from federation.client import PeerUnavailable
from federation.ingest import Outcome
from federation.models import Peer, PullOutcome, PullRecord
from federation.peering import approve_peer, change_peer, pull_failed, pull_succeeded, record_peer
from federation.pull_history import PullEnd, record_pull
from federation.trust import check_descriptor, own_descriptor, remember_node
from node.core.config import NodeSettings, load_config
from node.core.models import utcnow
from node.web.app import create_app
from node.web.views.network import danish_time, duration
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.web import csrf_token, login
from tests.node.web.views.admin_english import in_english

POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://politi.test:8080",
                      district="Østjyllands Politi")
RANDERS = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://randers.test:8080", "0730")
DKR = NodeSettings("dkr", "Det Kriminalpræventive Råd", "national", "http://dkr.test:8080")
SKIVE = NodeSettings("skive-kommune", "Skive Kommune", "municipality", "http://skive.test:8080", "0779")
SECRET_REASON = "no answer: ConnectionRefusedError"


def _peer(session, settings: NodeSettings) -> Peer:
    record_peer(session, check_descriptor(own_descriptor(settings, Ed25519PrivateKey.generate())))
    return approve_peer(session, settings.id)


@pytest.fixture
def network(sessions):
    """Politi synced a minute ago, Randers failing, Skive blocked; DKR known through Politi."""
    now = utcnow()
    with sessions.begin() as session:
        pull_succeeded(_peer(session, POLITI), now - timedelta(minutes=2), 30)
        record_pull(session, POLITI.id, now - timedelta(minutes=2, seconds=3), now - timedelta(minutes=2),
                    PullEnd(PullOutcome.OK, Counter({Outcome.STORED: 7, Outcome.REJECTED: 1})))
        pull_failed(_peer(session, RANDERS), now - timedelta(minutes=1), SECRET_REASON)
        record_pull(session, RANDERS.id, now - timedelta(minutes=1), now - timedelta(minutes=1),
                    PullEnd(PullOutcome.FAILED, Counter(), PeerUnavailable(SECRET_REASON)))
        _peer(session, SKIVE)
        change_peer(session, SKIVE.id, "block")
        remember_node(session, check_descriptor(own_descriptor(DKR, Ed25519PrivateKey.generate())), POLITI.id)


def _admin(app):
    client = app.test_client()
    login(client, "admin")
    return client


def test_the_admin_sees_the_network_as_an_svg_with_names_danish_kinds_health_legend_and_table(app, users, network):
    page = _admin(app).get("/admin/netvaerk").get_data(as_text=True)
    assert '<svg class="network-map"' in page and 'role="img"' in page and 'width="100%"' in page
    assert "<title id=\"netvaerk-titel\">Netværket omkring Aarhus Kommune</title>" in page
    for words in ("Østjyllands Politi", "Randers Kommune", "Det Kriminalpræventive Råd", "Skive Kommune",
                  "Politikreds", "Nationalt organ", "Kommune, Østjyllands Politi", "Kommune, Midt- og Vestjyllands"):
        assert words in page, words
    assert 'class="link link-ok"' in page and 'class="link link-failing"' in page
    assert 'class="link link-blocked"' in page and 'class="link link-known"' in page
    assert "Synkroniseret (fuld streg)" in page and "Fejler (prikket)" in page and "Blokeret (streg og prik)" in page
    assert "synkroniseret for 2 minutter siden" in page
    assert "seneste forsøg fejlede for 1 minut siden; aldrig synkroniseret" in page
    assert "Kendt gennem Østjyllands Politi" in page
    shown = re.sub(r"<[^>]+>", " ", page)  # the words on screen, without the markup's class names
    assert not {"municipality", "police", "national", "backing_off", "approved"} & set(shown.split())


def test_the_network_pages_are_for_admins_only(app, users, network):
    anonymous = app.test_client()
    assert anonymous.get("/admin/netvaerk").status_code == 302
    assert anonymous.get(f"/admin/forbindelser/{POLITI.id}").status_code == 302
    reader = app.test_client()
    login(reader, "publisher")
    assert reader.get("/admin/netvaerk").status_code == 403
    assert reader.get(f"/admin/forbindelser/{POLITI.id}").status_code == 403


def test_the_public_network_page_is_not_there_unless_the_node_enables_it(client, network):
    assert client.get("/netvaerk").status_code == 404
    assert 'href="/netvaerk"' not in client.get("/").get_data(as_text=True)


def test_the_public_network_page_names_the_nodes_without_errors_lag_addresses_or_blocked_peers(
        node_home, users, network, monkeypatch):
    monkeypatch.setenv("VIDENSNET_PUBLIC_NETWORK_PAGE", "true")
    visitor = create_app(load_config(node_home)).test_client()
    assert 'href="/netvaerk"' in visitor.get("/").get_data(as_text=True)  # the footer leads there
    page = visitor.get("/netvaerk").get_data(as_text=True)
    assert "Østjyllands Politi" in page and "Det Kriminalpræventive Råd" in page and "Nationalt organ" in page
    assert "Randers Kommune" in page  # failing, but still a peer the node pulls from
    assert "Skive Kommune" not in page  # blocked: not the public's business
    for secret in ("ConnectionRefused", "Fejler", "synkroniseret", "fejlede", ".test:8080", "forbindelser/"):
        assert secret not in page, secret


def test_the_peer_history_lists_the_latest_pulls_in_danish_with_the_technical_reason_folded_away(
        app, users, sessions, network):
    admin = _admin(app)
    ok = admin.get(f"/admin/forbindelser/{POLITI.id}").get_data(as_text=True)
    assert "Hentninger fra Østjyllands Politi" in ok and "Hentet" in ok and "<td>7</td>" in ok and "<td>1</td>" in ok
    with sessions() as session:
        finished = session.scalars(select(PullRecord).where(PullRecord.peer_id == POLITI.id)).one().finished_at
    assert f">{danish_time(finished)}</time>" in ok
    failed = admin.get(f"/admin/forbindelser/{RANDERS.id}").get_data(as_text=True)
    assert "Fejlede" in failed and "Noden svarede ikke" in failed and "Østjyllands Politi" in failed  # its district
    assert "<summary>Teknisk årsag</summary>" in failed and SECRET_REASON in failed
    assert admin.get("/admin/forbindelser/ingen-saadan").status_code == 404


def test_the_admin_page_links_each_peer_to_its_pull_history(app, users, network):
    page = _admin(app).get("/admin/").get_data(as_text=True)
    assert f'href="/admin/forbindelser/{POLITI.id}"' in page and f'href="/admin/forbindelser/{RANDERS.id}"' in page


def test_times_are_written_the_danish_way_in_copenhagen_time():
    winter = utcnow().replace(year=2026, month=12, day=2, hour=13, minute=5)
    summer = winter.replace(month=7, day=1, hour=22, minute=30)
    assert danish_time(winter) == "2. december 2026 kl. 14.05"
    assert danish_time(summer) == "2. juli 2026 kl. 00.30"
    assert danish_time(None) == "aldrig"


def test_a_pulls_duration_is_said_in_danish():
    start = utcnow()
    assert duration(start, start + timedelta(milliseconds=300)) == "under 1 sekund"
    assert duration(start, start + timedelta(seconds=1)) == "1 sekund"
    assert duration(start, start + timedelta(seconds=42)) == "42 sekunder"
    assert duration(start, start + timedelta(seconds=125)) == "2 min. 5 sek."


def _admin_in_english(app):
    return in_english(_admin(app))


def test_the_network_picture_speaks_english_with_the_node_names_marked_danish(app, users, network):
    page = _admin_in_english(app).get("/admin/netvaerk").get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>The network</h1>" in page
    assert "Key to the picture" in page and "Synchronised (solid line)" in page and "Blocked (dash and dot)" in page
    assert "synchronised 2 minutes ago" in page and "latest attempt failed 1 minute ago; never synchronised" in page
    assert 'lang="da">Østjyllands Politi' in page and "Police district" in page and "National body" in page
    assert danish_leftovers(page) == []


def test_the_public_network_page_speaks_english(node_home, users, network, monkeypatch):
    monkeypatch.setenv("VIDENSNET_PUBLIC_NETWORK_PAGE", "true")
    visitor = create_app(load_config(node_home)).test_client()
    visitor.set_cookie("sprog", "en")
    page = visitor.get("/netvaerk").get_data(as_text=True)
    assert '<html lang="en">' in page and "The network around" in page and "Direct connection" in page
    assert "Known through a peer" in page and "gets here because the nodes in between pass it on" in page
    assert danish_leftovers(page) == []


def test_the_peer_history_speaks_english_with_the_error_kind_and_the_raw_reason_as_it_is(app, users, network):
    admin = _admin_in_english(app)
    ok = admin.get(f"/admin/forbindelser/{POLITI.id}").get_data(as_text=True)
    assert '<html lang="en">' in ok and "The latest pulls" in ok and "Fetched" in ok and "3 seconds" in ok
    assert danish_leftovers(ok) == []
    failed = admin.get(f"/admin/forbindelser/{RANDERS.id}").get_data(as_text=True)
    assert "Failed" in failed and "The node did not answer (it may be down" in failed
    assert "<summary>Technical reason</summary>" in failed and SECRET_REASON in failed
    assert danish_leftovers(failed) == []


def test_the_admin_overview_speaks_english_in_every_section(app, users, network):
    page = _admin_in_english(app).get("/admin/").get_data(as_text=True)
    assert '<html lang="en">' in page
    for words in ("Connections", "Keys and trust", "Waiting and rejected data", "External feeds", "Users",
                  "Search engine", "Audit log", "failure in a row; next attempt",
                  "The node did not answer.", "See the network as a picture",
                  "Known nodes and keys", "No subscriptions yet.", "Index updates queued"):
        assert words in page, words
    assert danish_leftovers(page) == []


def test_a_peer_action_is_confirmed_in_english(app, users, network):
    admin = _admin_in_english(app)
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    response = admin.post(f"/admin/peers/{POLITI.id}/pause", data={"csrf_token": token}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert '<span lang="da">Østjyllands Politi</span> has been paused.' in page
    assert danish_leftovers(page) == []
