"""The admin page, in sections: the node, connections, keys and trust, waiting and rejected data, feeds, search."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from federation.local import current_local_node
from federation.models import Peer
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
from node.audit.log import record_admin_act
from node.audit.models import AuditAct
from node.core.models import Item, ItemStatus, Role, User, UserState
from node.core.translation import N_, ngettext
from node.core.translation import gettext as _
from node.items.vocabulary import FIELD_LABELS
from node.search_connection import WorkerSearch
from node.subscriptions.service import (
    SubscriptionError,
    request_refresh,
    set_review,
    subscribe,
    subscription_summaries,
    unsubscribe,
)
from node.web.auditing import record_viewer_access, web_actor
from node.web.language import flash_naming
from node.web.request import db, node_config, requires
from node.web.views.confirmation import CONFIRMED_PEER_ACTIONS, require_confirmation
from node.worker.lease import LeaseView, read_lease
from search.indexer import outbox_status

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render(errors: dict | None = None, new_token: str | None = None, status: int = 200):
    session = db()
    counts = dict(session.execute(select(Item.status, func.count()).group_by(Item.status)).all())
    recent = session.scalars(select(Item).order_by(Item.updated_at.desc()).limit(15)).all()
    record_viewer_access(AuditAct.LISTED, recent, description="Administrationens liste over seneste ændringer")
    users = session.scalars(select(User).order_by(User.username)).all()
    lease = read_lease(session)
    return render_template(
        "admin.html",
        federation=federation_overview(session, current_local_node().view, grace=current_local_node().key_grace),
        search_outbox=outbox_status(session),
        search_connected=_search_connected(),
        worker=worker_description(lease),
        worker_active=lease.active,
        counts={s: counts.get(s, 0) for s in ItemStatus},
        recent=recent,
        users=users,
        disabled_users=sum(1 for u in users if u.state == UserState.DISABLED),
        subscriptions=subscription_summaries(session, node_config().node.id),
        field_labels=FIELD_LABELS,
        errors=errors or {},
        new_token=new_token,
    ), status


def _search_connected() -> bool:
    index = current_app.extensions.get("vidensnet.search")
    # The web processes of `vidensnet serve` follow the worker's Meilisearch; without a worker they have none.
    return (index.current() if isinstance(index, WorkerSearch) else index) is not None


def worker_description(lease: LeaseView) -> str:
    """The background worker's state in the administrator's words."""
    if lease.status == "no active worker":
        return _("ingen aktiv baggrundsproces")
    ago = round(lease.renewed_seconds_ago or 0)
    if lease.active:
        return ngettext("aktiv på %(host)s, fornyet for %(num)d sekund siden",
                        "aktiv på %(host)s, fornyet for %(num)d sekunder siden", ago, host=lease.host)
    return ngettext(
        "ingen aktiv baggrundsproces: den seneste, på %(host)s, meldte sig sidst for %(num)d sekund siden",
        "ingen aktiv baggrundsproces: den seneste, på %(host)s, meldte sig sidst for %(num)d sekunder siden",
        ago, host=lease.host)


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
    with sessions.begin() as session:  # add_peer calls the other node outside any transaction, so afterwards
        record_admin_act(session, web_actor(), AuditAct.PEER_ADDED, peer.id,
                         description=f"{peer.name} ({peer.id}) er tilføjet som afventende peer")
    flash_naming(N_("%(name)s er tilføjet som afventende peer."), name=peer.name)
    return redirect(url_for("admin.overview") + "#forbindelser")


@bp.post("/peers/<peer_id>/godkend")
@requires(Role.ADMIN)
def approve_peer_form(peer_id: str):
    """Approve a pending peer."""
    try:
        peer = approve_peer(db(), peer_id, current_local_node().trust_anchors)
        _record_peer_act(AuditAct.PEER_APPROVED, peer, "er godkendt")
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    wake_peer(current_local_node(), peer.url, peer.id)
    flash_naming(N_("%(name)s er godkendt."), name=peer.name)
    return redirect(url_for("admin.overview") + "#forbindelser")


@bp.post("/peers/<peer_id>/anbefaler")
@requires(Role.ADMIN)
def introducer_form(peer_id: str):
    """Let a peer's endorsement alone introduce other nodes' keys, or stop it (`fra` in the form)."""
    introducer = request.form.get("anbefaler") != "fra"
    try:
        peer = set_introducer(db(), peer_id, introducer)
        _record_peer_act(AuditAct.INTRODUCER_SET if introducer else AuditAct.INTRODUCER_UNSET, peer,
                         "anbefaler nu nøgler alene" if introducer else "anbefaler ikke længere nøgler alene")
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    flash_naming(N_("%(name)s anbefaler nu nøgler alene.") if introducer
                else N_("%(name)s anbefaler ikke længere nøgler alene."), name=peer.name)
    return redirect(url_for("admin.overview") + "#forbindelser")


# The admin's peer actions, by the word in their URL: the peering action, the audit log's words (stored in
# Danish) and the message after it (translated when flashed).
PEER_ACTIONS = {"pause": ("suspend", "er sat på pause", N_("%(name)s er sat på pause.")),
                "genoptag": ("resume", "er genoptaget", N_("%(name)s er genoptaget.")),
                "bloker": ("block", "er blokeret", N_("%(name)s er blokeret.")),
                "fjern": ("remove", "er fjernet", N_("%(name)s er fjernet."))}
PEER_ACTS = {"suspend": AuditAct.PEER_SUSPENDED, "resume": AuditAct.PEER_RESUMED, "block": AuditAct.PEER_BLOCKED,
             "remove": AuditAct.PEER_REMOVED}


def _record_peer_act(act: AuditAct, peer: Peer | None, done: str, peer_id: str = "") -> None:
    # In the act's own transaction: the change and its record are committed together.
    name = f"{peer.name} ({peer.id})" if peer else peer_id
    record_admin_act(db(), web_actor(), act, peer.id if peer else peer_id, description=f"{name} {done}")


@bp.post("/peers/<peer_id>/<action>")
@requires(Role.ADMIN)
def change_peer_form(peer_id: str, action: str):
    """Suspend, resume, block or remove a peer (a pending request is refused by removing it); blocking and
    removing only once confirmed on their confirmation page."""
    if action not in PEER_ACTIONS:
        abort(404)
    if action in CONFIRMED_PEER_ACTIONS:
        require_confirmation()
    move, done, message = PEER_ACTIONS[action]
    try:
        peer = db().get(Peer, peer_id)
        if move == "remove":
            remove_peer(db(), peer_id)
        else:
            change_peer(db(), peer_id, move, current_local_node().sinks)
        _record_peer_act(PEER_ACTS[move], peer, done, peer_id)
    except PeeringError as exc:
        db().rollback()
        return _render({"peer": str(exc)}, status=422)
    db().commit()
    flash_naming(message, name=peer.name if peer else peer_id)
    return redirect(url_for("admin.overview") + "#forbindelser")


@bp.post("/feeds")
@requires(Role.ADMIN)
def subscribe_feed():
    """Subscribe to an external Atom/RSS feed; the scheduler fetches it in the background."""
    form = request.form
    try:
        subscription = subscribe(db(), form.get("url", ""), hold_for_review=form.get("gennemsyn") == "til",
                                 limits=node_config().feeds)
        record_admin_act(db(), web_actor(), AuditAct.FEED_SUBSCRIBED, subscription.url)
    except SubscriptionError as exc:
        db().rollback()
        return _render({"feed": str(exc)}, status=422)
    db().commit()
    flash(_("Abonnementet er oprettet. Feedet hentes om lidt i baggrunden; tilstanden ses herunder."))
    return redirect(url_for("admin.overview") + "#feeds")


@bp.post("/feeds/<int:subscription_id>/opdater")
@requires(Role.ADMIN)
def refresh_feed(subscription_id: int):
    """Queue one subscribed feed for the scheduler to fetch now."""
    try:
        subscription = request_refresh(db(), subscription_id)
    except SubscriptionError as exc:
        db().rollback()
        return _render({"feed": str(exc)}, status=404)
    db().commit()
    flash_naming(N_("%(feed)s hentes om lidt i baggrunden."), feed=subscription.title or subscription.url)
    return redirect(url_for("admin.overview") + "#feeds")


@bp.post("/feeds/<int:subscription_id>/gennemsyn")
@requires(Role.ADMIN)
def review_feed(subscription_id: int):
    """Hold the feed's new entries for a publisher's review (`til`), or publish them at once (`fra`)."""
    hold = request.form.get("gennemsyn") == "til"
    try:
        subscription = set_review(db(), subscription_id, hold)
        record_admin_act(db(), web_actor(), AuditAct.FEED_REVIEW_CHANGED, subscription.url,
                         description=f"Gennemsyn {'slået til' if hold else 'slået fra'}: {subscription.url}")
    except SubscriptionError as exc:
        db().rollback()
        return _render({"feed": str(exc)}, status=404)
    db().commit()
    feed = subscription.title or subscription.url
    flash_naming(N_("Nye indslag fra %(feed)s holdes nu til gennemsyn.") if hold
                else N_("Nye indslag fra %(feed)s udgives nu straks."), feed=feed)
    return redirect(url_for("admin.overview") + "#feeds")


@bp.post("/feeds/<int:subscription_id>/afmeld")
@requires(Role.ADMIN)
def unsubscribe_feed(subscription_id: int):
    """Stop following a feed, once confirmed on its confirmation page; its items stay published."""
    require_confirmation()
    try:
        subscription = unsubscribe(db(), subscription_id)
        record_admin_act(db(), web_actor(), AuditAct.FEED_UNSUBSCRIBED, subscription.url)
    except SubscriptionError as exc:
        db().rollback()
        return _render({"feed": str(exc)}, status=404)
    db().commit()
    flash(_("Abonnementet på %(url)s er afmeldt. Emnerne fra feedet er stadig udgivet.", url=subscription.url))
    return redirect(url_for("admin.overview") + "#feeds")
