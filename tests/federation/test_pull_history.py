"""Every ended pull is recorded with what it stored and how it ended, the newest 50 per peer kept."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from federation import replication
from federation.client import PeerUnavailable
from federation.identity import generate_node_key, load_node_key
from federation.ingest import Outcome
from federation.local import LocalNode
from federation.models import Peer, PeerState, PullOutcome, PullRecord
from federation.peering import approve_peer, record_peer
from federation.pull_history import PULLS_KEPT, PullEnd, error_kind, recent_pulls, record_pull
from federation.scheduling import FederationCycle, pull_and_record
from federation.trust import check_descriptor, own_descriptor
from node.core.config import NodeSettings, PeerLimits, load_config, write_settings
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.core.models import utcnow
from node.items.files import import_items
from node.items.publishing import ActingNode
from node.process import item_sinks
from node.web.app import create_app
from tests.helpers.web import login


@pytest.fixture
def politi(tmp_path, config):
    """Østjyllands Politi served over HTTP in this process, with Aarhus approved and three items to give."""
    server = make_server("127.0.0.1", 0, lambda environ, start: [], threaded=True)
    home = tmp_path / "politi"
    settings = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police",
                            f"http://127.0.0.1:{server.server_port}", district="Østjyllands Politi")
    write_settings(home, settings)
    key = generate_node_key(home / "keys")
    upgrade_database(load_config(home).database_url)
    server.app = create_app(load_config(home))
    sessions = make_sessionmaker(make_engine(load_config(home).database_url))
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(config.node, load_node_key(config.keys_dir))))
        approve_peer(session, config.node.id)
        lines = [json.dumps({"id": f"metode-{n}", "type": "method", "title": f"Metode {n}", "summary": "Resumé.",
                             "audience": "network"}) for n in range(3)]
        import_items(session, ActingNode(settings.id, item_sinks(key)), lines)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield settings, key, server
    server.shutdown()


@pytest.fixture
def cycle(sessions, config, politi) -> FederationCycle:
    """Aarhus' federation cycle, with the district node approved as its peer."""
    settings, key, _ = politi
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(settings, key)))
        approve_peer(session, settings.id)
    aarhus_key = load_node_key(config.keys_dir)
    return FederationCycle(sessions, LocalNode(config.node, aarhus_key, item_sinks(aarhus_key)))


def test_a_real_pull_and_then_a_pull_from_an_unreachable_peer_are_recorded_and_shown_in_danish(
        app, users, sessions, politi, cycle):
    settings, _, server = politi
    pull_and_record(cycle, settings.id)
    server.shutdown()  # the district node goes down
    pull_and_record(cycle, settings.id)
    with sessions() as session:
        failed, ok = recent_pulls(session, settings.id)
        assert session.get(Peer, settings.id).state == PeerState.BACKING_OFF
    assert (ok.outcome, ok.stored, ok.rejected, ok.error_kind, ok.reason) == (PullOutcome.OK, 3, 0, None, None)
    assert ok.started_at <= ok.finished_at
    assert (failed.outcome, failed.stored, failed.error_kind) == (PullOutcome.FAILED, 0, "unreachable")
    assert failed.reason.startswith("no answer:")
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/admin/forbindelser/{settings.id}").get_data(as_text=True)
    assert "Fejlede" in page and "Noden svarede ikke" in page and "Teknisk årsag" in page and "Hentet" in page


def test_a_pull_cut_off_after_its_first_page_records_what_it_stored_and_why_it_stopped(
        sessions, politi, cycle, monkeypatch):
    settings = politi[0]
    monkeypatch.setattr(replication, "BATCH", 2)  # pages of two changes, so the three items need two pages
    cycle.local = replace(cycle.local, limits=PeerLimits(max_pages_per_pull=1))
    pull_and_record(cycle, settings.id)
    with sessions() as session:
        [cut] = recent_pulls(session, settings.id)
    assert (cut.outcome, cut.stored, cut.error_kind) == (PullOutcome.FAILED, 2, "too_many_pages")


def _end(outcome=PullOutcome.OK, error=None) -> PullEnd:
    return PullEnd(outcome, Counter({Outcome.STORED: 2, Outcome.TOMBSTONED: 1, Outcome.SKIPPED: 9}), error)


def test_the_history_keeps_the_newest_pulls_of_each_peer_and_leaves_other_peers_alone(sessions):
    start = utcnow() - timedelta(hours=2)
    with sessions.begin() as session:
        record_pull(session, "randers-kommune", start, start, _end())
        for minute in range(PULLS_KEPT + 5):
            at = start + timedelta(minutes=minute)
            record_pull(session, "oestjyllands-politi", at, at, _end())
    with sessions() as session:
        kept = recent_pulls(session, "oestjyllands-politi", limit=100)
        assert len(kept) == PULLS_KEPT and kept[-1].started_at == start + timedelta(minutes=5)
        assert len(recent_pulls(session, "randers-kommune")) == 1
        assert {r.stored for r in session.query(PullRecord)} == {3}  # stored and tombstoned, not skipped


def test_a_long_reason_is_cut_to_its_column(sessions):
    with sessions.begin() as session:
        row = record_pull(session, "randers-kommune", utcnow(), utcnow(),
                          _end(PullOutcome.FAILED, PeerUnavailable("x" * 2000)))
        assert len(row.reason) == 500


@pytest.mark.parametrize("error, kind", [
    (PeerUnavailable("no answer: ConnectionRefusedError"), "unreachable"),
    (PeerUnavailable("no complete answer within 120 s"), "timeout"),
    (PeerUnavailable("HTTP 403: not a peer", 403), "refused"),
    (PeerUnavailable("HTTP 500: boom", 500), "peer_error"),
    (PeerUnavailable("answer larger than 128 MB: refused"), "too_large"),
    (PeerUnavailable("changes feed answer is malformed"), "malformed"),
    (PeerUnavailable("more than 2000 pages in one pull: the rest waits for the next pull"), "too_many_pages"),
    (PeerUnavailable("600 envelopes rejected within the hour (limit 500): backing off"), "rejections"),
    (KeyError("cursor"), "internal"),
])
def test_each_way_a_pull_fails_has_its_own_kind(error, kind):
    assert error_kind(error, PullOutcome.FAILED) == kind


def test_a_pull_that_worked_has_no_error_kind_and_a_stopped_one_says_so():
    assert error_kind(None, PullOutcome.OK) is None
    assert error_kind(RuntimeError("lease lost"), PullOutcome.STOPPED) == "stopped"
