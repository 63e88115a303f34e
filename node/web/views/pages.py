"""Public pages: the front page, lists per type and the item page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request

from federation.local import current_local_node
from federation.plan_endorsements import endorsement_refusal, plan_participants
from federation.retractions import find_retraction
from node.audit.models import AuditAct
from node.core.geography import municipalities, police_districts
from node.core.models import ItemStatus
from node.items.publishing import find_item
from node.items.queries import FilterError, ItemFilters, latest_per_type, list_items, parse_page
from node.items.trends import district_trends, readable_bulletins
from node.items.visibility import can_read
from node.items.vocabulary import COOPERATION, DETAILS, PREVENTION_LEVELS, TARGET_GROUPS
from node.web.auditing import record_viewer_access
from node.web.dates import time_words
from node.web.request import db, node_config, viewer

bp = Blueprint("pages", __name__)

TYPE_SLUGS = {
    "practice": "praksis",
    "method": "metoder",
    "bulletin": "bulletiner",
    "plan": "planer",
    "guidance": "vejledninger",
}


@bp.get("/")
def front():
    """The search box, a word on what Vidensnet is, and the latest items of each type the viewer may see."""
    latest = latest_per_type(db(), viewer())
    record_viewer_access(AuditAct.LISTED, [i for items in latest.values() for i in items], description="Forsiden")
    return render_template("front.html", latest=latest, type_slugs=TYPE_SLUGS)


def _list_view(item_type: str):
    try:
        filters = ItemFilters.from_args({**request.args.to_dict(), "type": item_type, "status": ""})
        page = parse_page(request.args.get("page"))
    except FilterError as exc:
        abort(400, description=str(exc))
    result = list_items(db(), viewer(), filters, page, node_config().page_size)
    record_viewer_access(AuditAct.LISTED, result.items, description=f"Listen over {TYPE_SLUGS[item_type]}, side {page}")
    # The bulletin list's trend chart counts what this viewer may read under the same filters, nothing more.
    trends = (district_trends(readable_bulletins(db(), viewer(), filters), node_config().small_count_threshold)
              if item_type == "bulletin" else [])
    return render_template(
        "list.html",
        item_type=item_type,
        result=result,
        args=request.args,
        municipalities=municipalities(),
        police_districts=police_districts(),
        prevention_levels=PREVENTION_LEVELS,
        target_groups=TARGET_GROUPS,
        cooperation=COOPERATION,
        trends=trends,
    )


for _type, _slug in TYPE_SLUGS.items():
    bp.add_url_rule(f"/{_slug}", f"list_{_type}", lambda _t=_type: _list_view(_t))


@bp.get("/items/<item_id>")
def item(item_id: str):
    """One item with all its fields; 410 when it was retracted, 404 when missing or not for this viewer."""
    found = find_item(db(), item_id)
    if found is None or found.status == ItemStatus.RETRACTED:
        gone = _retracted(item_id)
        if gone is not None:
            return gone
    if found is None or not can_read(viewer(), found):
        abort(404)
    plan = {}
    if found.type == "plan":  # who has joined which version, and whether this node may join the current one
        participants = plan_participants(db(), found, current_local_node())
        joined = any(e.endorser == current_local_node().id and e.current for p in participants for e in p.endorsements)
        may_endorse = not joined and endorsement_refusal(found, current_local_node()) is None
        plan = {"participants": participants, "may_endorse": may_endorse}
    record_viewer_access(AuditAct.VIEWED, [found], description=f"Emnesiden for »{found.title}«")
    return render_template("item.html", item=found, detail_specs=DETAILS[found.type], type_slugs=TYPE_SLUGS, **plan)


def _retracted(item_id: str):
    # Gone, said only to a viewer who could have read it: anyone for a public item, otherwise the node's users
    # (the node held it, so it was in the item's audience; node.items.visibility.readable_items).
    retraction = find_retraction(db(), item_id, current_local_node())
    if retraction is None or not (retraction.public or viewer() is not None):
        return None
    return render_template("retracted.html", origin_name=retraction.origin_name,
                           retracted_at=time_words(retraction.at)), 410


@bp.get("/tilgaengelighed")
def accessibility_statement():
    """The node's accessibility statement: where it is set, there; else a page saying where to set it."""
    if node_config().accessibility_statement_url:
        return redirect(node_config().accessibility_statement_url)
    return render_template("accessibility.html")
