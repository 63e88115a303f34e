"""The review list of feed entries held for a publisher: read each one, then "Udgiv" or "Afvis"."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import select

from node.audit.log import record_admin_act
from node.audit.models import AuditAct
from node.core.models import FeedSubscription, Role
from node.core.translation import N_
from node.items.rendering import render_markdown
from node.subscriptions.review import ReviewError, held_entries, publish_held, reject_held
from node.web.auditing import web_actor
from node.web.language import flash_naming
from node.web.request import acting_node, db, requires

bp = Blueprint("feed_review", __name__, url_prefix="/admin/feeds/gennemsyn")


def _render(error: str | None = None, status: int = 200):
    session = db()
    sources = dict(session.execute(select(FeedSubscription.id, FeedSubscription.title)).all())
    return render_template("feed_review.html", held=held_entries(session), sources=sources, error=error,
                           render_markdown=render_markdown), status


@bp.get("/")
@requires(Role.PUBLISHER)
def overview():
    """Every feed entry waiting for review, oldest first."""
    return _render()


@bp.post("/<item_id>/udgiv")
@requires(Role.PUBLISHER)
def publish_entry(item_id: str):
    """Publish a held entry as the logged-in publisher."""
    try:
        item = publish_held(db(), acting_node(), item_id)
        record_admin_act(db(), web_actor(), AuditAct.FEED_ENTRY_PUBLISHED, item.title, items=[item])
    except ReviewError as exc:
        db().rollback()
        return _render(str(exc), status=422)
    db().commit()
    flash_naming(N_("»%(title)s« er udgivet."), title=item.title)
    return redirect(url_for("feed_review.overview"))


@bp.post("/<item_id>/afvis")
@requires(Role.PUBLISHER)
def reject_entry(item_id: str):
    """Refuse a held entry; the same content from the feed is not offered again."""
    try:
        row = reject_held(db(), acting_node(), item_id)
        record_admin_act(db(), web_actor(), AuditAct.FEED_ENTRY_REJECTED, row.data.get("title", ""))
    except ReviewError as exc:
        db().rollback()
        return _render(str(exc), status=422)
    title = row.data.get("title", "")
    db().commit()
    flash_naming(N_("»%(title)s« er afvist og bliver ikke udgivet."), title=title)
    return redirect(url_for("feed_review.overview"))
