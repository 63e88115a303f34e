"""The admin page: node facts, items by state, peers, the search outbox, feed subscriptions, users and tokens."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from federation.local import current_local_node
from federation.overview import federation_overview
from federation.peering import (
    PeeringError,
    add_peer,
    approve_peer,
    change_peer,
    remove_peer,
    set_introducer,
    wake_peer,
)
from node.core.models import Item, ItemStatus, Role, User
from node.items.vocabulary import FIELD_LABELS
from node.subscriptions.service import (
    SubscriptionError,
    refresh_subscription,
    subscribe,
    subscription_summaries,
    unsubscribe,
)
from node.web.request import acting_node, db, node_config, requires
from search.indexer import outbox_status

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render(errors: dict | None = None, new_token: str | None = None, status: int = 200):
    session = db()
    counts = dict(session.execute(select(Item.status, func.count()).group_by(Item.status)).all())
    recent = session.scalars(select(Item).order_by(Item.updated_at.desc()).limit(15)).all()
    users = session.scalars(select(User).order_by(User.username)).all()
    return render_template(
        "admin.html",
        federation=federation_overview(session, current_local_node().view, grace=current_local_node().key_grace),
        search_outbox=outbox_status(session),
        search_connected=current_app.extensions.get("vidensnet.search") is not None,
        counts={s: counts.get(s, 0) for s in ItemStatus},
        recent=recent,
        users=users,
        subscriptions=subscription_summaries(session, node_config().node.id),
        field_labels=FIELD_LABELS,
        errors=errors or {},
        new_token=new_token,
    ), status


@bp.get("/")
@requires(Role.ADMIN)
def overview():
    """Node facts, item counts per state, recent changes and users."""
    return _render()


@bp.post("/peers")
@requires(Role.ADMIN)
def add_peer_form():
    """Add a peer by URL: fetch and check its descriptor, record it as pending, tell it about us."""
    try:
        sessions = current_app.extensions["vidensnet.sessions"]
        peer = add_peer(sessions, current_local_node(), request.form.get("url", "").strip())
    except PeeringError as exc:
        return _render({"peer": str(exc)}, status=422)
    flash(f"{peer.name} er tilføjet som afventende peer.")
    return redirect(url_for("admin.overview"))


@bp.post("/peers/<peer_id>/godkend")
@requires(Role.ADMIN)
def approve_peer_form(peer_id: str):
    """Approve a pending peer."""
    try:
        peer = approve_peer(db(), peer_id, current_local_node().trust_anchors)
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    wake_peer(current_local_node(), peer.url, peer.id)
    flash(f"{peer_id} er godkendt.")
    return redirect(url_for("admin.overview"))


@bp.post("/peers/<peer_id>/anbefaler")
@requires(Role.ADMIN)
def introducer_form(peer_id: str):
    """Let a peer's endorsement alone introduce other nodes' keys, or stop it (`fra` in the form)."""
    introducer = request.form.get("anbefaler") != "fra"
    try:
        peer = set_introducer(db(), peer_id, introducer)
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    flash(f"{peer.name} {'anbefaler nu nøgler alene' if introducer else 'anbefaler ikke længere nøgler alene'}.")
    return redirect(url_for("admin.overview"))


# The admin's peer actions, by the word in their URL: the peering action and the message after it.
PEER_ACTIONS = {"pause": ("suspend", "er sat på pause"), "genoptag": ("resume", "er genoptaget"),
                "bloker": ("block", "er blokeret"), "fjern": ("remove", "er fjernet")}


@bp.post("/peers/<peer_id>/<action>")
@requires(Role.ADMIN)
def change_peer_form(peer_id: str, action: str):
    """Suspend, resume, block or remove a peer (a pending request is refused by removing it)."""
    if action not in PEER_ACTIONS:
        abort(404)
    move, done = PEER_ACTIONS[action]
    try:
        if move == "remove":
            remove_peer(db(), peer_id)
        else:
            change_peer(db(), peer_id, move, current_local_node().sinks)
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    flash(f"{peer_id} {done}.")
    return redirect(url_for("admin.overview"))


@bp.post("/feeds")
@requires(Role.ADMIN)
def subscribe_feed():
    """Subscribe to an external Atom/RSS feed and fetch it right away."""
    try:
        subscription = subscribe(db(), request.form.get("url", ""))
    except SubscriptionError as exc:
        db().rollback()
        return _render({"feed": str(exc)}, status=422)
    db().commit()
    flash(f"Abonnement oprettet. {_refresh(subscription.id)}")
    return redirect(url_for("admin.overview") + "#feeds")


@bp.post("/feeds/<int:subscription_id>/opdater")
@requires(Role.ADMIN)
def refresh_feed(subscription_id: int):
    """Fetch one subscribed feed now."""
    try:
        flash(_refresh(subscription_id))
    except SubscriptionError as exc:
        return _render({"feed": str(exc)}, status=404)
    return redirect(url_for("admin.overview") + "#feeds")


@bp.post("/feeds/<int:subscription_id>/afmeld")
@requires(Role.ADMIN)
def unsubscribe_feed(subscription_id: int):
    """Stop following a feed; its items stay published."""
    try:
        subscription = unsubscribe(db(), subscription_id)
    except SubscriptionError as exc:
        db().rollback()
        return _render({"feed": str(exc)}, status=404)
    db().commit()
    flash(f"Abonnementet på {subscription.url} er afmeldt. Emnerne fra feedet er stadig udgivet.")
    return redirect(url_for("admin.overview") + "#feeds")


def _refresh(subscription_id: int) -> str:
    # The refresh opens its own transactions: fetching happens outside any of them. The node publishes
    # feed entries itself, not the admin who asked, as the scheduler does.
    sessions = current_app.extensions["vidensnet.sessions"]
    by = acting_node(for_viewer=False)
    return str(refresh_subscription(sessions, by, subscription_id, node_config().feed_refresh_seconds))
