"""/konto: the logged-in user's own password, API tokens and login sessions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_required

from node.accounts.devices import shown_device
from node.accounts.lifecycle import change_own_password, revoke_token, token_state_label
from node.accounts.sessions import SessionEnd, end_user_sessions, is_current, open_sessions
from node.accounts.users import DEFAULT_TOKEN_DAYS, AccountError, create_api_token
from node.audit.log import record_admin_act
from node.audit.models import AuditAct
from node.core.models import ApiToken, utcnow
from node.core.translation import N_, ngettext
from node.core.translation import gettext as _
from node.web.auditing import web_actor
from node.web.language import flash_naming
from node.web.request import SESSION_KEY, db, session_lifetimes, viewer

bp = Blueprint("account", __name__, url_prefix="/konto")

# The lifetimes a token can be given on the form, in days.
TOKEN_LIFETIMES = (30, 90, DEFAULT_TOKEN_DAYS)


def lifetime_label(days: int) -> str:
    """A token's lifetime in words: "30 dage", "1 år"."""
    if days == 365:
        return _("1 år")
    return ngettext("%(num)d dag", "%(num)d dage", days)


def _render(errors: dict | None = None, status: int = 200):
    user, now, key = viewer(), utcnow(), session.get(SESSION_KEY)
    tokens = sorted(user.tokens, key=lambda t: t.created_at, reverse=True)
    return render_template(
        "account.html", tokens=[(t, token_state_label(t, now)) for t in tokens],
        sessions=[(s, is_current(s, key)) for s in open_sessions(db(), user, session_lifetimes(), now)],
        shown_device=shown_device, lifetimes={days: lifetime_label(days) for days in TOKEN_LIFETIMES},
        default_days=DEFAULT_TOKEN_DAYS, errors=errors or {},
    ), status


@bp.get("")
@login_required
def page():
    """The user's account: role, password form, API tokens and open sessions."""
    return _render()


@bp.post("/noegler")
@login_required
def add_token():
    """Create an API token for the logged-in user; it is shown once."""
    days = request.form.get("expires_days", str(DEFAULT_TOKEN_DAYS))
    try:
        if not days.isdigit():
            raise AccountError(_("udløb: et helt antal dage"))
        name = request.form.get("name", "").strip()[:120]
        token = create_api_token(db(), viewer(), name, int(days))
        record_admin_act(db(), web_actor(), AuditAct.TOKEN_CREATED, viewer().username,
                         description=f"API-nøglen »{name or 'API'}« er oprettet til {viewer().username}")
    except AccountError as exc:
        db().rollback()
        return _render({"token": str(exc)}, status=422)
    db().commit()
    return render_template("token.html", token=token, lifetime=lifetime_label(int(days)))


@bp.post("/noegler/<int:token_id>/tilbagekald")
@login_required
def revoke(token_id: int):
    """Revoke one of the user's own API tokens; it answers 401 from now on."""
    token = db().get(ApiToken, token_id)
    if token is None or token.user_id != viewer().id:
        abort(404)
    try:
        revoke_token(db(), token, viewer(), utcnow())
    except AccountError as exc:
        db().rollback()
        return _render({"token": str(exc)}, status=422)
    db().commit()
    flash_naming(N_("API-nøglen »%(name)s« er tilbagekaldt."), name=token.name)
    return redirect(url_for("account.page") + "#noegler")


@bp.post("/adgangskode")
@login_required
def change_password():
    """Change one's own password (the current one, then the new one twice); other sessions end."""
    form = request.form
    try:
        ended = change_own_password(db(), viewer(), form.get("current", ""), form.get("new", ""),
                                    form.get("repeated", ""), utcnow(), keep_key=session.get(SESSION_KEY))
    except AccountError as exc:
        db().rollback()
        return _render({"password": str(exc)}, status=422)
    db().commit()
    if ended:
        flash(ngettext("Din adgangskode er ændret. Din anden session er afsluttet.",
                       "Din adgangskode er ændret. Dine %(num)d andre sessioner er afsluttet.", ended))
    else:
        flash(_("Din adgangskode er ændret."))
    return redirect(url_for("account.page"))


@bp.post("/log-ud-overalt")
@login_required
def log_out_everywhere():
    """End every session of the user, this one included ("Log ud på alle enheder")."""
    end_user_sessions(db(), viewer(), SessionEnd.EVERYWHERE, utcnow())
    record_admin_act(db(), web_actor(), AuditAct.USER_SESSIONS_ENDED, viewer().username,
                     description=f"{viewer().username} loggede ud på alle enheder")
    db().commit()
    session.clear()
    flash(_("Du er logget ud på alle enheder."))
    return redirect(url_for("auth.login"))
