"""Login and logout for local accounts, with a per-address limit on failed logins (Flask-Limiter)."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_login import login_user, logout_user

from node.accounts.devices import describe_device
from node.accounts.logins import attempt_login, record_throttled
from node.accounts.sessions import SessionEnd, end_session, open_session
from node.core.config import AccountRules
from node.core.models import LoginOutcome, utcnow
from node.core.translation import N_
from node.core.translation import gettext as _
from node.web.language import flash_naming
from node.web.request import (
    PROVIDER_LOGOUT_KEY,
    SESSION_KEY,
    db,
    keep_books,
    local_path,
    node_config,
    source_address,
)

bp = Blueprint("auth", __name__)

THROTTLED = N_("For mange mislykkede loginforsøg fra din adresse. Vent lidt, og prøv igen.")


def init_login_limit(app: Flask, rules: AccountRules) -> Limiter:
    """Limit failed POST /login per source address (VIDENSNET_LOGIN_RATE); over the limit the answer is a 429.

    Only failed attempts count (a successful login redirects), so colleagues behind one address all log in
    at nine; a guesser is slowed after a few tries. Call after the blueprints are registered.
    """
    limiter = Limiter(source_address, storage_uri=rules.rate_limit_storage, strategy="moving-window",
                      headers_enabled=False, key_prefix="vidensnet-login")
    limiter.init_app(app)
    # The login's is the node's only limit, and its decorator checks it. Before every other request the
    # limiter would look for app-wide limits the node never sets (56 us a request against 14 us with
    # this filter, measured); the filter tells it at once that there are none.
    limiter.request_filter(lambda: request.endpoint != "auth.login")
    limit = limiter.limit(rules.login_rate, methods=["POST"], deduct_when=lambda response: response.status_code != 302,
                          error_message=lambda: _(THROTTLED), on_breach=_record_throttled)
    app.view_functions["auth.login"] = limit(app.view_functions["auth.login"])
    return limiter


def _record_throttled(_limit) -> None:
    # A flood of refused attempts must not become a flood of waiting writes: recorded as bookkeeping.
    username, address = request.form.get("username", ""), source_address()

    def note(books, now) -> bool:
        record_throttled(books, username, address, now)
        return True
    keep_books(note, "throttled login")


LOCAL_LOGIN_OFF = N_("Login med brugernavn og adgangskode er slået fra på denne node. Brug din organisations login.")


def login_page(error: str | None = None, status: int = 200):
    """The login page: the organisation logins first, the local form below when it is on."""
    return render_template("login.html", error=error, login=node_config().login,
                           next_path=local_path(request.args.get("next"))), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; on success a new login session, and back to where the user came from."""
    if request.method == "GET":
        return login_page()
    if not node_config().login.local_login:
        return login_page(_(LOCAL_LOGIN_OFF), 403)
    result = attempt_login(db(), request.form.get("username", ""), request.form.get("password", ""),
                           source_address(), node_config().accounts, utcnow())
    if result.outcome != LoginOutcome.SUCCEEDED:
        db().commit()  # the record of the failed attempt
        return login_page(result.message, 429 if result.outcome == LoginOutcome.LOCKED else 401)
    return start_login_session(result.user, request.args.get("next"))


def start_login_session(user, next_path: str | None):
    """Log the user in with a new server-side session, commit, and go on to `next_path` (same-site only).

    The local form and the organisation logins (OIDC, SAML) all end here.
    """
    now = utcnow()
    # A new session for a new login: nothing of the cookie from before it (which another may hold) carries over,
    # and a session that cookie named ends.
    if (old := session.get(SESSION_KEY)) is not None:
        end_session(db(), old, SessionEnd.LOGGED_OUT, now)
    session.clear()
    key = open_session(db(), user, describe_device(request.user_agent.string), source_address(), now)
    user.last_login_at = now
    db().commit()
    login_user(user)
    session[SESSION_KEY] = key
    flash_naming(N_("Du er logget ind som %(name)s."), name=user.display_name)
    return redirect(local_path(next_path))


@bp.post("/logout")
def logout():
    """Log out (POST with CSRF token, never a link): the session ends on the server, so every copy of it ends.

    A user who came through an organisation's provider that offers logout is then sent on to log out there too.
    """
    key, provider_logout = session.get(SESSION_KEY), session.get(PROVIDER_LOGOUT_KEY)
    if key and end_session(db(), key, SessionEnd.LOGGED_OUT, utcnow()):
        db().commit()
    logout_user()
    session.clear()
    flash(_("Du er logget ud."))
    return redirect(provider_logout or url_for("pages.front"))
