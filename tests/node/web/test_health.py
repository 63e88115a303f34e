"""`/healthz` and `/readyz`: the process answers; ready means the database is reachable and at head."""

from __future__ import annotations

from sqlalchemy import text

from node.web.app import create_app


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ok_at_head_and_marks_search_degraded_without_meilisearch(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "search": "degraded"}


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
