"""`/healthz` and `/readyz`: the process answers; ready means the database at head and a worker holding its lease."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from node.web.app import create_app
from node.worker.lease import Holder, Lease
from search.index import SearchIndex


def _hold_lease(sessions, seconds: float = 60) -> Lease:
    lease = Lease(sessions, Holder("worker-host", 4242, "token"), timedelta(seconds=seconds))
    assert lease.acquire()
    return lease


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ok_at_head_with_a_worker_and_marks_search_degraded_without_meilisearch(client, sessions):
    _hold_lease(sessions)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "search": "degraded", "worker": "ok"}


def test_readyz_is_503_naming_the_worker_when_no_worker_holds_the_lease(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["worker"] == "no active worker" and response.get_json()["failing"] == ["worker"]


def test_readyz_is_503_naming_the_worker_when_its_lease_has_expired(client, sessions):
    lease = _hold_lease(sessions)
    lease.clock = lambda: lease.expires_at - timedelta(minutes=5)  # renewed long ago: expired by now
    assert lease.renew()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["worker"] == "lease expired" and response.get_json()["failing"] == ["worker"]


def test_readyz_is_ok_again_once_the_worker_released_and_another_took_the_lease(client, sessions):
    _hold_lease(sessions).release()
    assert client.get("/readyz").get_json()["worker"] == "no active worker"
    Lease(sessions, Holder("other-host", 1, "other"), timedelta(seconds=60)).acquire()
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_naming_the_database_when_its_schema_is_not_at_head(app, sessions):
    with sessions.begin() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "schema not at head"
    assert response.get_json()["failing"] == ["database"]


def test_readyz_is_503_when_the_database_file_cannot_be_opened(config, node_home):
    app = create_app(config)
    database = node_home / "vidensnet.db"
    database.rename(node_home / "moved-away.db")
    database.mkdir()  # what was the database file is now a directory: SQLite cannot open it
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


def test_readyz_marks_search_ok_only_when_the_node_s_key_can_search_its_index(config, sessions, search_index):
    _hold_lease(sessions)
    working = create_app(config, search_index=search_index).test_client().get("/readyz").get_json()
    refused = SearchIndex(search_index.url, "not-the-node-s-key", search_index.uid)  # Meilisearch is up all along
    degraded = create_app(config, search_index=refused).test_client().get("/readyz").get_json()
    assert (working["search"], degraded["search"]) == ("ok", "degraded")
