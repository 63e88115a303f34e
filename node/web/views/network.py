"""The picture of the network (admin, and a public summary when the node wants one) and each peer's pull history."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, render_template

from federation.models import Peer
from federation.network_map import PUBLIC_STATES, NodeFacts, ago, facts_of, network_of
from federation.pull_history import ERROR_KINDS, OUTCOME_LABELS, PULLS_KEPT, recent_pulls
from node.core.geography import municipalities
from node.core.models import Role, utcnow
from node.core.translation import gettext as _
from node.core.translation import ngettext
from node.web.dates import time_words
from node.web.labels import label
from node.web.request import db, node_config, requires

bp = Blueprint("network", __name__)

# A peer counts as lagging when it has not synced for this many pull intervals (at least LAG_MINIMUM).
LAG_INTERVALS, LAG_MINIMUM = 5, timedelta(minutes=5)


def danish_time(moment: datetime | None) -> str:
    """A stored UTC time as Danes read it, in Copenhagen's time: "2. december 2026 kl. 14.05"."""
    return _("aldrig") if moment is None else time_words(moment)


def duration(started: datetime, finished: datetime) -> str:
    """How long a pull took, in words: "under 1 sekund", "4 sekunder", "2 min. 5 sek."."""
    seconds = int((finished - started).total_seconds())
    if seconds < 1:
        return _("under 1 sekund")
    if seconds < 60:
        return ngettext("%(num)d sekund", "%(num)d sekunder", seconds)
    return _("%(minutes)d min. %(seconds)d sek.", minutes=seconds // 60, seconds=seconds % 60)


def _this_node() -> NodeFacts:
    settings = node_config().node
    found = municipalities().get(settings.municipality or "")
    return NodeFacts(settings.id, settings.name, settings.kind,
                     settings.district or (found.police_district if found else None))


def _lag_allowed() -> timedelta:
    return max(LAG_MINIMUM, timedelta(seconds=LAG_INTERVALS * node_config().pull_interval_seconds))


def _render_network(public: bool):
    states = PUBLIC_STATES if public else None
    picture = network_of(db(), _this_node(), utcnow(), _lag_allowed(), states)
    return render_template("network.html", picture=picture, public=public)


@bp.get("/admin/netvaerk")
@requires(Role.ADMIN)
def admin_network():
    """The federation as this node knows it, each link with its sync health and lag."""
    return _render_network(public=False)


@bp.get("/netvaerk")
def public_network():
    """The public summary of the network: names, kinds and districts only; 404 unless the node enables it."""
    if not node_config().public_network_page:
        abort(404)
    return _render_network(public=True)


@bp.get("/admin/forbindelser/<peer_id>")
@requires(Role.ADMIN)
def peer_history(peer_id: str):
    """One peer's latest pulls: when, how many items, how each ended and why."""
    peer = db().get(Peer, peer_id)
    if peer is None:
        abort(404)
    return render_template(
        "peer_history.html", peer=peer, pulls=recent_pulls(db(), peer_id), kept=PULLS_KEPT,
        state_label=label(peer.state, "peer"), facts=facts_of(peer), duration=duration,
        outcome_labels=OUTCOME_LABELS, error_kinds=ERROR_KINDS, when=danish_time,
        ago=lambda moment: ago(moment, utcnow()),
    )
