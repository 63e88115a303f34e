"""The admin page: node facts, items by state, users and API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from federation.overview import federation_overview
from search.indexer import outbox_status
from federation.peering import PeeringError, add_peer, approve_peer, wake_peer
from node.accounts import ROLE_RANK, AccountError, create_user
from node.models import Item, ItemStatus, Role, User
from node.web import db, local_node, requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render(errors: dict | None = None, new_token: str | None = None, status: int = 200):
    session = db()
    counts = dict(session.execute(select(Item.status, func.count()).group_by(Item.status)).all())
    recent = session.scalars(select(Item).order_by(Item.updated_at.desc()).limit(15)).all()
    users = session.scalars(select(User).order_by(User.username)).all()
    return render_template(
        "admin.html",
        federation=federation_overview(session),
        search_outbox=outbox_status(session),
        search_connected=current_app.extensions.get("vidensnet.search") is not None,
        counts={s: counts.get(s, 0) for s in ItemStatus},
        recent=recent,
        users=users,
        roles=list(ROLE_RANK),
        errors=errors or {},
        new_token=new_token,
    ), status


@bp.get("/")
@requires(Role.ADMIN)
def overview():
    """Node facts, item counts per state, recent changes and users."""
    return _render()


@bp.post("/brugere")
@requires(Role.ADMIN)
def add_user():
    """Create a local account."""
    form = request.form
    try:
        create_user(db(), form.get("username", "").strip(), form.get("password", ""), form.get("role", ""),
                    form.get("display_name", "").strip())
    except AccountError as exc:
        db().rollback()
        return _render({"user": str(exc)}, status=422)
    db().commit()
    flash("Brugeren er oprettet.")
    return redirect(url_for("admin.overview"))


@bp.post("/peers")
@requires(Role.ADMIN)
def add_peer_form():
    """Add a peer by URL: fetch and check its descriptor, record it as pending, tell it about us."""
    try:
        peer = add_peer(db(), local_node(), request.form.get("url", "").strip())
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    flash(f"{peer.name} er tilføjet som afventende peer.")
    return redirect(url_for("admin.overview"))


@bp.post("/peers/<peer_id>/godkend")
@requires(Role.ADMIN)
def approve_peer_form(peer_id: str):
    """Approve a pending peer."""
    try:
        peer = approve_peer(db(), peer_id)
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    wake_peer(local_node(), peer.url, peer.id)
    flash(f"{peer_id} er godkendt.")
    return redirect(url_for("admin.overview"))
