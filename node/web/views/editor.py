"""Editor pages: create, edit, publish and retract this node's items (sending back is in `approvals`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from federation.local import current_local_node
from federation.names import node_names
from federation.plan_endorsements import EndorsementError, endorse_plan
from node.accounts.users import has_role
from node.audit.models import AuditAct
from node.core.geography import municipalities, police_districts
from node.core.models import Item, ItemStatus, Role
from node.core.translation import N_, ngettext
from node.core.translation import gettext as _
from node.items.publishing import (
    PublishingError,
    create_draft,
    find_item,
    publish,
    retract,
    revise,
    submit_for_approval,
)
from node.items.schema import ItemInvalid, validate_item
from node.items.visibility import can_read
from node.items.vocabulary import COOPERATION, DETAILS, FIELD_LABELS, PREVENTION_LEVELS, TARGET_GROUPS, TYPES
from node.web.auditing import record_viewer_access
from node.web.forms import form_to_data, form_values, item_to_form
from node.web.request import acting_node, db, node_config, own_item, requires, viewer
from node.web.views.bulletin_review import PREVIEWED_FIELD, BulletinReview, review_bulletin
from node.web.views.confirmation import require_confirmation

bp = Blueprint("editor", __name__)

# Whole headings per type: the type's gender and definite form differ between Danish and English.
_EDIT_HEADINGS = {"practice": N_("Redigér praksiseksempel"), "method": N_("Redigér metode"),
                  "bulletin": N_("Redigér tendensbulletin"), "plan": N_("Redigér handleplan"),
                  "guidance": N_("Redigér vejledning")}
_DETAILS_LEGENDS = {"practice": N_("Detaljer om praksiseksemplet"), "method": N_("Detaljer om metoden"),
                    "bulletin": N_("Detaljer om tendensbulletinen"), "plan": N_("Detaljer om handleplanen"),
                    "guidance": N_("Detaljer om vejledningen")}
_ERROR_HEADINGS = {
    "practice": lambda n: ngettext("Praksiseksemplet kunne ikke gemmes: ret fejlen herunder",
                                   "Praksiseksemplet kunne ikke gemmes: ret de %(num)d fejl herunder", n),
    "method": lambda n: ngettext("Metoden kunne ikke gemmes: ret fejlen herunder",
                                 "Metoden kunne ikke gemmes: ret de %(num)d fejl herunder", n),
    "bulletin": lambda n: ngettext("Tendensbulletinen kunne ikke gemmes: ret fejlen herunder",
                                   "Tendensbulletinen kunne ikke gemmes: ret de %(num)d fejl herunder", n),
    "plan": lambda n: ngettext("Handleplanen kunne ikke gemmes: ret fejlen herunder",
                               "Handleplanen kunne ikke gemmes: ret de %(num)d fejl herunder", n),
    "guidance": lambda n: ngettext("Vejledningen kunne ikke gemmes: ret fejlen herunder",
                                   "Vejledningen kunne ikke gemmes: ret de %(num)d fejl herunder", n),
}


def _render_form(item_type: str, values: dict, errors: dict, item: Item | None = None, status: int = 200,
                 review: BulletinReview | None = None):
    return render_template(
        "edit.html",
        item_type=item_type,
        item=item,
        values=values,
        errors=errors,
        review=review,
        previewed_field=PREVIEWED_FIELD,
        detail_specs=DETAILS[item_type],
        edit_heading=_(_EDIT_HEADINGS[item_type]),
        details_legend=_(_DETAILS_LEGENDS[item_type]),
        error_heading=_ERROR_HEADINGS[item_type],
        field_labels={key: _(text) for key, text in
                      {**FIELD_LABELS, **{f"details.{s.key}": s.label for s in DETAILS[item_type]}}.items()},
        may_override=has_role(viewer(), Role.PUBLISHER),
        bulletin_lifetime_days=node_config().local_rules().bulletin_lifetime_days,
        bulletin_max_days=node_config().bulletin_max_days,
        municipalities=municipalities(),
        police_districts=police_districts(),
        known_nodes=sorted(node_names(db()).items(), key=lambda pair: pair[1]),
        prevention_levels=PREVENTION_LEVELS,
        target_groups=TARGET_GROUPS,
        cooperation=COOPERATION,
    ), status


def _new_form_values(item_type: str) -> dict:
    # A bulletin starts out for the author's own police district only; other types for the whole network.
    # Most items are about the node's own municipality and district, so those are chosen from the start.
    home_district = node_config().local_rules().home_district
    own = node_config().node
    values: dict = {"municipalities": [own.municipality] if own.municipality else [],
                    "police_districts": [home_district] if home_district else []}
    if item_type == "bulletin" and home_district:
        return {**values, "audience_kind": "districts", "audience_districts": [home_district]}
    return {**values, "audience_kind": "districts" if item_type == "bulletin" else "network"}


def _validated(item_type: str, item_id: str | None):
    data = form_to_data(request.form, item_type)
    data["id"] = item_id
    return validate_item(data, node_id=node_config().node.id, may_override=has_role(viewer(), Role.PUBLISHER),
                         rules=node_config().local_rules())


@bp.route("/ny/<item_type>", methods=["GET", "POST"])
@requires(Role.EDITOR)
def create(item_type: str):
    """A new draft of the chosen type; a publisher may publish it at once."""
    if item_type not in TYPES:
        abort(404)
    if request.method == "GET":
        return _render_form(item_type, _new_form_values(item_type), {})
    try:
        content = _validated(item_type, None)
        if (review := _review_first(content, None)) is not None:
            return _render_form(item_type, form_values(request.form), {}, review=review)
        item = create_draft(db(), acting_node(), content)
        _after_save(item, request.form.get("action"))
    except ItemInvalid as exc:
        return _render_form(item_type, form_values(request.form), exc.errors, status=422)
    db().commit()
    flash(_(_SAVED[item.status]))
    return redirect(url_for("pages.item", item_id=item.id))


def _review_first(content, item_id: str | None) -> BulletinReview | None:
    # A bulletin is shown previewed (nothing saved) when asked, or when saving would hide counts or it overlaps
    # an earlier bulletin and the author has not yet seen exactly this content previewed.
    review = review_bulletin(db(), viewer(), request.form, content, node_config().small_count_threshold, item_id)
    if review is None:
        return None
    return review if request.form.get("action") == "preview" or review.must_be_seen(request.form) else None


_SAVED = {
    ItemStatus.DRAFT: N_("Kladden er gemt."),
    ItemStatus.AWAITING_APPROVAL: N_("Tendensbulletinen er sendt til godkendelse hos en anden udgiver."),
    ItemStatus.PUBLISHED: N_("Emnet er udgivet."),
}


def _after_save(item: Item, action: str | None) -> None:
    # A bulletin goes to a second person for approval; other types a publisher may publish at once.
    if action == "submit" and item.type == "bulletin" and item.status == ItemStatus.DRAFT:
        submit_for_approval(db(), item, acting_node())
    elif action == "publish" and item.type != "bulletin" and has_role(viewer(), Role.PUBLISHER):
        publish(db(), item, acting_node())


@bp.route("/items/<item_id>/rediger", methods=["GET", "POST"])
@requires(Role.EDITOR)
def edit(item_id: str):
    """Edit a draft (editors) or publish a new version of a published item (publishers)."""
    item = own_item(item_id)
    if item.status == ItemStatus.PUBLISHED and not has_role(viewer(), Role.PUBLISHER):
        abort(403)
    if item.status in (ItemStatus.RETRACTED, ItemStatus.EXPIRED):
        abort(409, description=_("Et tilbagetrukket eller udløbet emne kan ikke ændres."))
    if item.type == "bulletin" and item.status == ItemStatus.PUBLISHED:
        abort(409, description=_("En udgivet tendensbulletin kan ikke ændres uden ny godkendelse; "
                                 "træk den tilbage og skriv en ny."))
    if request.method == "GET":
        record_viewer_access(AuditAct.VIEWED, [item], description=f"Redigeringssiden for »{item.title}«")
        return _render_form(item.type, item_to_form(item), {}, item)
    try:
        content = _validated(item.type, item.id)
        if (review := _review_first(content, item.id)) is not None:
            return _render_form(item.type, form_values(request.form), {}, item, review=review)
        revise(db(), item, acting_node(), content)
        _after_save(item, request.form.get("action"))
    except ItemInvalid as exc:
        return _render_form(item.type, form_values(request.form), exc.errors, item, status=422)
    except PublishingError as exc:
        abort(409, description=str(exc))
    db().commit()
    published = item.status == ItemStatus.PUBLISHED
    flash(_("Ændringerne er gemt (version %(version)s).", version=item.version) if published
          else _(_SAVED[item.status]))
    return redirect(url_for("pages.item", item_id=item.id))


@bp.post("/items/<item_id>/udgiv")
@requires(Role.PUBLISHER)
def publish_item(item_id: str):
    """Publish a draft, or approve and publish a bulletin awaiting approval."""
    return _change_state(item_id, publish, N_("Emnet er udgivet."))


@bp.post("/items/<item_id>/til-godkendelse")
@requires(Role.EDITOR)
def submit_item(item_id: str):
    """Hand a bulletin draft to a second person for approval."""
    return _change_state(item_id, submit_for_approval, N_("Tendensbulletinen er sendt til godkendelse."))


@bp.post("/items/<item_id>/tilbagetraek")
@requires(Role.PUBLISHER)
def retract_item(item_id: str):
    """Retract a published item, once confirmed on its confirmation page (node.web.views.confirmation)."""
    require_confirmation()
    return _change_state(item_id, retract,
                         N_("Emnet er trukket tilbage her og trækkes også tilbage hos de noder, der har en kopi."))


def _change_state(item_id: str, action, message: str):
    item = own_item(item_id)
    try:
        action(db(), item, acting_node())
    except PublishingError as exc:
        abort(409, description=str(exc))
    db().commit()
    flash(_(message))
    return redirect(url_for("pages.item", item_id=item.id))


@bp.post("/items/<item_id>/tilslut")
@requires(Role.PUBLISHER)
def endorse(item_id: str):
    """Endorse the current version of a plan on behalf of this node's municipality."""
    plan = find_item(db(), item_id)
    if plan is None or not can_read(viewer(), plan):
        abort(404)
    try:
        new = endorse_plan(db(), plan, current_local_node(), viewer())
    except EndorsementError as exc:
        abort(409, description=_("Tilslutning: %(reason)s.", reason=exc))
    db().commit()
    flash(_("Kommunen er tilsluttet version %(version)s af planen.", version=plan.version) if new
          else _("Kommunen var allerede tilsluttet version %(version)s af planen.", version=plan.version))
    return redirect(url_for("pages.item", item_id=plan.id))
