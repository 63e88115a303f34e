"""Login through the organisation's OpenID Connect provider: GET /login/oidc and its callback (docs/login.md).

The protocol is in node.accounts.oidc; here only the browser's side of it. The callback talks to the provider
(code, keys, userinfo) before it touches the database, and every refusal is shown in the interface language,
logged with its reason and written to the audit log.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, session
from sqlalchemy.exc import SQLAlchemyError

from node.accounts.oidc import OidcProvider, OidcRefused, PendingLogin, begin_login, finish_login, logout_url
from node.accounts.organisation_login import LoginRefused, OrganisationIdentity, RoleMap, sign_in
from node.audit.log import record_admin_act
from node.audit.models import AuditAct
from node.core.translation import gettext as _
from node.web.auditing import web_actor
from node.web.request import PROVIDER_LOGOUT_KEY, db, node_config, public_url
from node.web.views.auth import login_page, start_login_session

bp = Blueprint("oidc_login", __name__)

# The flask session item holding the login started at /login/oidc until the provider sends the browser back.
PENDING_KEY = "oidc_login"


def provider() -> OidcProvider:
    """The node's OpenID provider (its discovery document and keys are cached for the whole process)."""
    return current_app.extensions["vidensnet.oidc"]


@bp.get("/login/oidc")
def start():
    """Send the browser to the provider's login, remembering state, nonce, PKCE verifier and where to go after."""
    if not node_config().login.oidc_enabled:
        abort(404)
    try:
        url, pending = begin_login(provider(), public_url("oidc_login.callback"), request.args.get("next"))
    except OidcRefused as refused:
        return _refuse(refused)
    session[PENDING_KEY] = pending.as_dict()
    return redirect(url)


@bp.get("/login/oidc/callback")
def callback():
    """Where the provider sends the browser back: verify, sign in with the mapped role, open a login session."""
    if not node_config().login.oidc_enabled:
        abort(404)
    pending = PendingLogin.from_dict(session.pop(PENDING_KEY, None))
    identity = None
    try:
        identity, id_token = finish_login(provider(), pending, request.args, public_url("oidc_login.callback"))
        provider_logout = logout_url(provider().metadata(), id_token, node_config().login.oidc_client_id,
                                     public_url("pages.front"))
        user = sign_in(db(), identity, RoleMap.parse(node_config().login.role_map))
    except LoginRefused as refused:
        db().rollback()
        return _refuse(refused, identity)
    response = start_login_session(user, pending.next_path)
    # Kept in the signed session cookie, so that /logout can send the browser on to the provider's logout.
    session[PROVIDER_LOGOUT_KEY] = provider_logout
    return response


def _refuse(refused: LoginRefused, identity: OrganisationIdentity | None = None):
    login = node_config().login
    who = f" for {identity.display_name or identity.username_hint or identity.subject}" if identity else ""
    current_app.logger.warning("OpenID Connect login via %s refused%s: %s", login.oidc_issuer, who, refused.reason)
    try:
        with current_app.extensions["vidensnet.sessions"].begin() as books:
            record_admin_act(books, web_actor(), AuditAct.LOGIN_REFUSED, login.oidc_issuer,
                             description=f"Login via {login.oidc_name} (OpenID Connect){who} afvist: {refused.reason}")
    except SQLAlchemyError:
        current_app.logger.error("the refused OpenID Connect login could not be written to the audit log")
    return login_page(_(refused.message), getattr(refused, "status", 403))
