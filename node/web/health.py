"""`/healthz` (the process answers) and `/readyz` (the database at head, search reachable or degraded)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy.exc import SQLAlchemyError

from node.core.db import alembic_config

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 whenever the process can answer at all: no database, no search."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """200 with each part's state when the node can serve; 503 naming the failing part when not."""
    database = _database_state()
    parts = {"database": database, "search": _search_state()}
    ready = database == "ok"
    body = {"status": "ok" if ready else "not ready", **parts}
    if not ready:
        body["failing"] = ["database"]
    return body, 200 if ready else 503


def _database_state() -> str:
    sessions = current_app.extensions["vidensnet.sessions"]
    config = current_app.extensions["vidensnet"]
    heads = set(ScriptDirectory.from_config(alembic_config(config.database_url)).get_heads())
    try:
        with sessions() as session:
            current = set(MigrationContext.configure(session.connection()).get_current_heads())
    except SQLAlchemyError:
        return "unreachable"
    return "ok" if current == heads else "schema not at head"


def _search_state() -> str:
    # Without Meilisearch the node still serves, searching the database: degraded, not failing.
    index = current_app.extensions.get("vidensnet.search")
    if index is None:
        return "degraded"
    return "ok" if index.healthy() else "degraded"
