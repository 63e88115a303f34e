"""The JSON API: read items (anyone, within their rights) and write them (editors, by token)."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for

from federation.local import current_local_node
from federation.plan_endorsements import plan_endorsements_json
from node.accounts.users import has_role
from node.audit.models import AuditAct
from node.core.models import Item, ItemStatus, Role
from node.items.as_json import item_to_json
from node.items.bulletin_overlap import overlapping_bulletins
from node.items.publishing import (
    ActingNode,
    PublishingError,
    create_draft,
    find_item,
    publish,
    retract,
    return_to_draft,
    revise,
    submit_for_approval,
)
from node.items.queries import FilterError, ItemFilters, list_items, parse_page
from node.items.schema import ItemInvalid, validate_item
from node.items.visibility import can_read
from node.privacy.small_counts import explain_observations
from node.web.auditing import record_viewer_access
from node.web.errors import json_error
from node.web.request import acting_node, authenticate_bearer, csrf, db, json_body, node_config, public_url, viewer

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # writes need a bearer token, never a cookie, so CSRF cannot reach them


@bp.before_request
def _authenticate():
    if request.headers.get("Authorization"):
        authenticate_bearer()
    elif request.method not in ("GET", "HEAD"):
        abort(401, description="skrivning kræver en API-nøgle: Authorization: Bearer <nøgle>")


def _json(item: Item) -> dict:
    url = public_url("pages.item", item_id=item.id)
    return item_to_json(item, url, node_config().small_count_threshold)


def _require(role: Role) -> ActingNode:
    if not has_role(viewer(), role):
        abort(403, description=f"kræver rollen {role.value} eller højere")
    return acting_node()


@bp.get("/items")
def items():
    """A page of items the caller may see, filtered by type and status, with a next link."""
    try:
        filters = ItemFilters.from_args(request.args)
        page = parse_page(request.args.get("page"))
    except FilterError as exc:
        return json_error(400, str(exc))
    drafts = filters.status is not None and filters.status != ItemStatus.PUBLISHED
    result = list_items(db(), viewer(), filters, page, node_config().page_size, drafts=drafts)
    next_url = None
    if result.has_next:
        next_url = public_url("api.items", **{**request.args.to_dict(), "page": page + 1})
    record_viewer_access(AuditAct.LISTED, result.items, description=f"API-listen over emner, side {page}")
    # total: exact when total_exact, else a lower bound (node.items.queries.TOTAL_CAP); `next` says whether more follow.
    return {"total": result.total, "total_exact": result.total_exact, "page": page,
            "items": [_json(i) for i in result.items], "next": next_url}


@bp.get("/items/<item_id>")
def item(item_id: str):
    """One item; 404 when it does not exist or the caller may not see it."""
    found = find_item(db(), item_id)
    if found is None or not can_read(viewer(), found):
        return json_error(404, f"intet emne med id '{item_id}'")
    record_viewer_access(AuditAct.VIEWED, [found], description=f"API: emnet »{found.title}«")
    if found.type == "plan":  # which participating municipalities have endorsed which version
        return {**_json(found), "endorsements": plan_endorsements_json(db(), found, current_local_node())}
    return _json(found)


def _content_from_body(item_id: str | None = None):
    data = json_body()
    if not isinstance(data, dict):
        abort(400, description="forventede et JSON-objekt med Content-Type: application/json")
    if item_id is not None:
        data = {**data, "id": item_id}
    return validate_item(data, node_id=node_config().node.id, may_override=has_role(viewer(), Role.PUBLISHER),
                         rules=node_config().local_rules())


@bp.post("/items")
def create():
    """Create a draft (editor); with "publish": true in the query, publish it (publisher)."""
    by = _require(Role.EDITOR)
    try:
        item = create_draft(db(), by, _content_from_body())
        if request.args.get("publish") == "true":
            publish(db(), item, _require(Role.PUBLISHER))
    except ItemInvalid as exc:
        return json_error(422, "ugyldigt emne", exc.errors)
    except PublishingError as exc:
        return json_error(409, str(exc))
    db().commit()
    return _json(item), 201, {"Location": url_for("api.item", item_id=item.id)}


@bp.post("/items/preview")
def preview():
    """A dry run (editor): a bulletin's counts as readers would see them, why, and the earlier bulletins it overlaps."""
    _require(Role.EDITOR)
    try:
        content = _content_from_body()
    except ItemInvalid as exc:
        return json_error(422, "ugyldigt emne", exc.errors)
    # The counts as sent: the validated content holds them suppressed already, which would hide the reasons.
    typed = (json_body().get("details") or {}).get("observations") if content.type == "bulletin" else None
    lines = explain_observations(typed or [], node_config().small_count_threshold)
    overlaps = [i for i in overlapping_bulletins(db(), content, content.id) if can_read(viewer(), i)]
    return {"observations": [{"label": x.label, "shown": x.shown, "role": x.role, "reason": x.reason} for x in lines],
            "overlaps": [{"id": i.id, "title": i.title, "url": public_url("pages.item", item_id=i.id)}
                         for i in overlaps]}


@bp.put("/items/<item_id>")
def update(item_id: str):
    """Replace an item's content: drafts by editors, published items (new version) by publishers."""
    by = _require(Role.EDITOR)
    found = find_item(db(), item_id)
    if found is None:
        return json_error(404, f"intet emne med id '{item_id}'")
    if found.status == ItemStatus.PUBLISHED:
        by = _require(Role.PUBLISHER)
    try:
        revise(db(), found, by, _content_from_body(item_id))
    except ItemInvalid as exc:
        return json_error(422, "ugyldigt emne", exc.errors)
    except PublishingError as exc:
        return json_error(409, str(exc))
    db().commit()
    return _json(found)


@bp.post("/items/<item_id>/publish")
def publish_item(item_id: str):
    """Publish a draft (publisher)."""
    return _change_state(item_id, publish)


@bp.post("/items/<item_id>/submit")
def submit_item(item_id: str):
    """Hand a bulletin draft to a second person for approval (editor)."""
    return _change_state(item_id, submit_for_approval, Role.EDITOR)


@bp.post("/items/<item_id>/return")
def return_item(item_id: str):
    """Send a bulletin awaiting approval back to its author as a draft, with a `reason` for them (publisher)."""
    _require(Role.PUBLISHER)
    body = json_body()
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        return json_error(422, "en begrundelse til forfatteren mangler",
                          {"reason": "skal være en tekst, der siger forfatteren, hvorfor bulletinen sendes tilbage"})
    return _change_state(item_id, lambda session, item, by: return_to_draft(session, item, by, reason))


@bp.post("/items/<item_id>/retract")
def retract_item(item_id: str):
    """Retract a published item (publisher)."""
    return _change_state(item_id, retract)


def _change_state(item_id: str, action, role: Role = Role.PUBLISHER):
    by = _require(role)
    found = find_item(db(), item_id)
    if found is None:
        return json_error(404, f"intet emne med id '{item_id}'")
    try:
        action(db(), found, by)
    except PublishingError as exc:
        return json_error(409, str(exc))
    db().commit()
    return _json(found)
