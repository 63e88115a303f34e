"""The audit log on the admin page (/admin/logbog): filtered, paged, newest first, and as CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request, stream_with_context
from markupsafe import Markup

from node.audit.csv_export import csv_chunks
from node.audit.log import FIXED_ACTOR_NAMES
from node.audit.models import ACCESS_ACTS, ACT_LABELS, AUDIENCE_LABELS, AuditAct, AuditEvent
from node.audit.queries import (
    AuditFilterError,
    AuditFilters,
    AuditPage,
    actors,
    all_events,
    held_items,
    list_events,
)
from node.core.models import Role
from node.core.translation import danish
from node.core.translation import gettext as _
from node.items.queries import FilterError, parse_page
from node.web.auditing import record_viewer_access
from node.web.request import db, node_config, requires

bp = Blueprint("audit", __name__, url_prefix="/admin")
EVENTS_PER_PAGE = 50
ADMIN_ACTS = [act for act in AuditAct if act not in ACCESS_ACTS]


@bp.get("/logbog")
@requires(Role.ADMIN)
def log_page():
    """The events that match the filters, newest first, with links to the items the node still holds."""
    try:
        filters = AuditFilters.from_args(request.args)
        page = parse_page(request.args.get("side"), parameter="side")
    except (AuditFilterError, FilterError) as exc:
        return _render(AuditFilters(), None, error=str(exc), status=400)
    return _render(filters, list_events(db(), filters, page, EVENTS_PER_PAGE))


def _render(filters: AuditFilters, result: AuditPage | None, error: str | None = None, status: int = 200):
    item_ids = {i.item_id for e in result.events for i in e.items} if result else set()
    return render_template(
        "audit_log.html", filters=filters, result=result, error=error, args=request.args,
        actors=actors(db()), access_acts=ACCESS_ACTS, admin_acts=ADMIN_ACTS, act_labels=ACT_LABELS,
        audience_labels=AUDIENCE_LABELS, held=held_items(db(), item_ids), shown_actor=shown_actor,
        fixed_actors=FIXED_ACTOR_NAMES,
        description_parts=description_parts,
        retention_days=node_config().audit_retention_days,
    ), status


def shown_actor(display_name: str) -> str | Markup:
    """An actor's stored name: translated when it is a fixed one ("Noden selv"), else a person's name (Danish)."""
    return _(display_name) if display_name in FIXED_ACTOR_NAMES else danish(display_name)


def description_parts(event: AuditEvent) -> tuple[str, str]:
    """An event's stored (Danish) description as (translated fixed label, the rest as stored).

    A description that is only the act's label, or the label and the subject, is translated at display time;
    any other was written with names and details in it and is shown in Danish as stored.
    """
    label = ACT_LABELS.get(event.act)
    if label is None:
        return "", event.description
    if event.description == label:
        return _(label), ""
    if event.subject and event.description == f"{label}: {event.subject}":
        return _(label) + ":", event.subject
    return "", event.description


@bp.get("/logbog.csv")
@requires(Role.ADMIN)
def log_csv():
    """Every event that matches the filters as CSV (UTF-8 with BOM, semicolons); the export is itself recorded."""
    try:
        filters = AuditFilters.from_args(request.args)
    except AuditFilterError as exc:
        return Response(str(exc) + "\n", status=400, content_type="text/plain; charset=utf-8")
    shown = "; ".join(f"{name}: {value}" for name, value in filters.as_args().items()) or "hele logbogen"
    record_viewer_access(AuditAct.AUDIT_EXPORTED, [], query=shown, description=f"Logbogen som CSV ({shown})")
    name = f"logbog-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(csv_chunks(all_events(db(), filters))),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
