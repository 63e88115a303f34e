"""/admin/brugere: the administrator's page for accounts (create, disable, enable, role, password) and logins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from node.accounts.lifecycle import STATE_LABELS, change_role, disable_user, enable_user, reset_password
from node.accounts.logins import OUTCOME_LABELS, recent_attempts
from node.accounts.organisation_login import login_method_parts
from node.accounts.users import ROLE_LABELS, ROLE_RANK, AccountError, create_user
from node.audit.log import record_admin_act
from node.audit.models import AuditAct
from node.core.models import Role, User, utcnow
from node.core.translation import N_
from node.core.translation import gettext as _
from node.web.auditing import web_actor
from node.web.language import flash_naming
from node.web.request import db, requires, viewer

bp = Blueprint("users", __name__, url_prefix="/admin/brugere")


def _render(errors: dict | None = None, status: int = 200):
    session = db()
    return render_template(
        "users.html",
        users=session.scalars(select(User).order_by(User.username)).all(),
        attempts=recent_attempts(session),
        login_methods=login_method_parts,
        roles=list(ROLE_RANK), state_labels=STATE_LABELS, outcome_labels=OUTCOME_LABELS,
        errors=errors or {},
    ), status


def _account(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("")
@requires(Role.ADMIN)
def page():
    """Every account with its role, state and last login, the forms to change them, and the latest logins."""
    return _render()


@bp.post("")
@requires(Role.ADMIN)
def add():
    """Create a local account."""
    form = request.form
    try:
        created = create_user(db(), form.get("username", "").strip(), form.get("password", ""),
                              form.get("role", ""), form.get("display_name", "").strip())
        record_admin_act(db(), web_actor(), AuditAct.USER_CREATED, created.username,
                         description=f"Brugeren {created.username} er oprettet som {ROLE_LABELS[created.role]}")
    except AccountError as exc:
        db().rollback()
        return _render({"new": str(exc)}, status=422)
    db().commit()
    flash(_("Brugeren er oprettet."))
    return redirect(url_for("users.page"))


# The acts on one account, by the word in their URL: what they do, given the form, and the message after it
# (the account's name in %(name)s, its new role in %(role)s).
ACTS = {
    "deaktiver": (lambda user, form: disable_user(db(), user, viewer(), utcnow()),
                  N_("%(name)s er deaktiveret og logget ud.")),
    "aktiver": (lambda user, form: enable_user(db(), user, viewer()), N_("%(name)s er aktiv igen.")),
    "rolle": (lambda user, form: change_role(db(), user, form.get("role", ""), viewer()),
              N_("%(name)s har fået en ny rolle (%(role)s).")),
    "adgangskode": (lambda user, form: reset_password(db(), user, form.get("password", ""), viewer(), utcnow()),
                    N_("%(name)s har fået en ny adgangskode og er logget ud alle steder.")),
}


@bp.post("/<int:user_id>/<act>")
@requires(Role.ADMIN)
def change(user_id: int, act: str):
    """Disable, enable, change the role of or reset the password of an account (each a POST with CSRF)."""
    if act not in ACTS:
        abort(404)
    user = _account(user_id)
    do, done = ACTS[act]
    try:
        do(user, request.form)
    except AccountError as exc:
        db().rollback()
        return _render({user.id: str(exc)}, status=422)
    db().commit()
    flash_naming(done, {"role": _(ROLE_LABELS[user.role])}, name=user.display_name)
    return redirect(url_for("users.page") + f"#bruger-{user.id}")
