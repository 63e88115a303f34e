"""`/healthz` (the process answers) and `/readyz` (database at head, search reachable or degraded, a live worker)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy.exc import SQLAlchemyError

from node.core.db import alembic_config
from node.worker.lease import read_lease
from search.index import SearchUnavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 whenever the process can answer at all: no database, no search."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """200 with each part's state when the node can serve; 503 naming the failing part when not."""
    database = _database_state()
    # Without a worker holding a fresh lease nothing pulls peers, indexes or keeps house: the node is not ready.
    parts = {"database": database, "search": _search_state(),
             "worker": _worker_state() if database == "ok" else "unknown"}
    # A database that is not ready says nothing about the worker, whose lease it holds: only the database fails.
    failing = ["database"] if database != "ok" else ["worker"] if parts["worker"] != "ok" else []
    body = {"status": "not ready" if failing else "ok", **parts}
    if failing:
        body["failing"] = failing
    return body, 503 if failing else 200


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
    # Without Meilisearch the node still serves, searching the database: degraded, not failing. Meilisearch's
    # /health needs no key, so a search for nothing, with the node's own key, is what shows that searches work:
    # a refused key or a missing index would otherwise say "ok" while every search falls back to the database.
    index = current_app.extensions.get("vidensnet.search")
    if index is None:
        return "degraded"
    try:
        index.search("", {"limit": 0})
    except SearchUnavailable:
        return "degraded"
    return "ok"


def _worker_state() -> str:
    try:
        with current_app.extensions["vidensnet.sessions"]() as session:
            return read_lease(session).status
    except SQLAlchemyError:
        return "unknown"
