"""The audit log as the views use it: the acting user with the request's source address, and fail-closed access.

A view calls `record_viewer_access` after it has read what it will show and before it renders: the record is
written in its own short transaction, and when the database refuses it the request is answered 503, so no
restricted content leaves the node unrecorded (docs/audit-log.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from flask import abort, current_app, request

from node.audit.log import ANONYMOUS, AccessNotRecorded, Actor, Concerned, record_access
from node.audit.models import AuditAct
from node.core.translation import N_
from node.core.translation import gettext as _
from node.web.request import viewer

NOT_RECORDED = N_("Adgangen kunne ikke skrives i logbogen, så den er ikke givet. Prøv igen om lidt.")


def web_actor() -> Actor:
    """The logged-in user (or bearer-token user) of this request, with its source address."""
    user = viewer()
    if user is None:
        return replace(ANONYMOUS, address=request.remote_addr)
    return Actor.of_user(user, request.remote_addr)


def record_viewer_access(act: AuditAct, items: Iterable[Concerned], query: str | None = None,
                         description: str = "") -> None:
    """Record the viewer's access to the restricted ones among `items`; a 503 when it cannot be recorded."""
    try:
        record_access(current_app.extensions["vidensnet.sessions"], web_actor(), act, items,
                      query=query, description=description)
    except AccessNotRecorded:
        abort(503, description=_(NOT_RECORDED))
