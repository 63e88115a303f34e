"""The approval queue: bulletins awaiting a second publisher's approval, and sending one back with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import Select, select

from node.accounts.users import has_role
from node.audit.models import AuditAct
from node.core.models import Item, ItemStatus, Role, User
from node.core.translation import N_, danish
from node.core.translation import gettext as _
from node.items.publishing import PublishingError, return_to_draft
from node.web.auditing import record_viewer_access
from node.web.dates import time_words
from node.web.request import acting_node, db, node_config, own_item, requires, viewer
from node.web.views.confirmation import Confirmation, render_confirmation

bp = Blueprint("approvals", __name__)

# The send-back form's field, and what the author is told when it is left empty.
REASON_FIELD = "begrundelse"
REASON_MISSING = N_("Begrundelse til forfatteren: skriv, hvorfor tendensbulletinen sendes tilbage.")


@dataclass(frozen=True)
class AwaitingBulletin:
    """One bulletin in the queue, with the words the publisher reads about it."""

    item: Item
    authors: str
    submitted: str
    districts: str


def _awaiting() -> Select:
    return select(Item).where(Item.type == "bulletin", Item.status == ItemStatus.AWAITING_APPROVAL,
                              Item.origin == node_config().node.id)


def may_approve(user: User | None, item: Item) -> bool:
    """Whether the user may approve this bulletin: a publisher who changed none of the version's content."""
    return has_role(user, Role.PUBLISHER) and user.username not in (item.content_authors or [])


def waiting_count() -> int:
    """How many bulletins await the viewer's approval; one query, and none for someone who cannot approve."""
    user = viewer()
    if not has_role(user, Role.PUBLISHER):
        return 0
    authors = db().scalars(_awaiting().with_only_columns(Item.content_authors)).all()
    return sum(1 for names in authors if user.username not in (names or []))


def return_note(item: Item) -> Markup | None:
    """»Sendt tilbage af <name> den <date>: <reason>« for a draft sent back with a reason, else None.

    The name and the reason are the users' own words: on a page in another language they are marked as Danish.
    """
    if item.status != ItemStatus.DRAFT or not item.return_reason or item.returned_at is None:
        return None
    name = danish(item.returned_by.display_name) if item.returned_by else _("en slettet bruger")
    sentence = escape(_("Sendt tilbage af %(name)s den %(when)s: %(reason)s"))
    return sentence % {"name": name, "when": time_words(item.returned_at), "reason": danish(item.return_reason)}


@bp.app_context_processor
def _approval_globals() -> dict:
    # Functions, not values: the count is queried only where a page for a publisher asks for it.
    return {"approvals_waiting": waiting_count, "return_note": return_note}


@bp.get("/godkendelser")
@requires(Role.PUBLISHER)
def queue():
    """The bulletins awaiting approval that this publisher may approve (never their own: four eyes)."""
    items = [i for i in db().scalars(_awaiting().order_by(Item.updated_at)).all() if may_approve(viewer(), i)]
    names = _display_names({name for i in items for name in i.content_authors or []})
    # A bulletin awaiting approval was last changed when it was handed over: changing it makes it a draft again.
    rows = [AwaitingBulletin(i, _authors(i, names), time_words(i.updated_at), ", ".join(i.police_districts) or "—")
            for i in items]
    record_viewer_access(AuditAct.LISTED, items, description="Godkendelseskøen")
    return render_template("approvals.html", rows=rows)


def _display_names(usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(db().execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all())


def _authors(item: Item, names: dict[str, str]) -> str:
    if item.content_authors:
        return ", ".join(names.get(u, u) for u in item.content_authors)
    return item.author.display_name if item.author else _("ukendt forfatter")


@bp.route("/items/<item_id>/tilbage-til-kladde", methods=["GET", "POST"])
@requires(Role.PUBLISHER)
def send_back(item_id: str):
    """Send a bulletin awaiting approval back to its author as a draft, with a reason the author is shown."""
    item = own_item(item_id)
    if item.status != ItemStatus.AWAITING_APPROVAL:
        abort(409, description=_("Kun en tendensbulletin, der afventer godkendelse, kan sendes tilbage."))
    if request.method == "GET":
        return _send_back_form(item)
    reason = request.form.get(REASON_FIELD, "").strip()
    if not reason:
        return _send_back_form(item, _(REASON_MISSING), 422)
    try:
        return_to_draft(db(), item, acting_node(), reason)
    except PublishingError as exc:
        abort(409, description=str(exc))
    db().commit()
    flash(_("Tendensbulletinen er sendt tilbage som kladde med din begrundelse."))
    return redirect(url_for("pages.item", item_id=item.id))


def _send_back_form(item: Item, error: str | None = None, status: int = 200):
    return render_confirmation(Confirmation(
        heading=_("Send »%(title)s« tilbage som kladde", title=item.title),
        consequence=_("Tendensbulletinen bliver en kladde igen og udgives ikke. Forfatteren ser din begrundelse "
                      "på emnesiden og i redigeringen og kan rette og sende den til godkendelse igen."),
        action=url_for("approvals.send_back", item_id=item.id),
        button=_("Send tilbage som kladde"),
        cancel=url_for("pages.item", item_id=item.id),
        reason_field=REASON_FIELD,
        reason_label=_("Begrundelse til forfatteren"),
        reason_error=error,
    ), status)
