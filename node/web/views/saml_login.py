"""SAML 2.0 login: the SP metadata, the start of a login, and the assertion consumer service (node.accounts.saml)."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request

from node.accounts.organisation_login import LoginRefused, RoleMap, sign_in
from node.accounts.saml import SamlServiceProvider, consume, pending_request
from node.accounts.saml_metadata import ACS_PATH, METADATA_PATH, SamlUnavailable
from node.audit.log import record_admin_act
from node.audit.models import AuditAct
from node.core.translation import N_
from node.core.translation import gettext as _
from node.web.auditing import web_actor
from node.web.request import csrf, db, node_config
from node.web.views.auth import login_page, start_login_session

log = logging.getLogger(__name__)
bp = Blueprint("saml_login", __name__)
# The IdP posts the response from its own site: there is no CSRF token, the signed response is the proof.
csrf.exempt(bp)

UNAVAILABLE = N_("Login via din organisation virker ikke lige nu (nodens SAML-opsætning kan ikke læses). "
                 "Prøv igen om lidt, eller kontakt nodens administrator.")


def init_saml(app: Flask) -> None:
    """Register the SAML routes when VIDENSNET_SAML_IDP_METADATA is set."""
    config = app.extensions["vidensnet"]
    if config.login.saml_enabled:
        app.extensions["vidensnet.saml"] = SamlServiceProvider(config)
        app.register_blueprint(bp)


def _provider() -> SamlServiceProvider:
    return current_app.extensions["vidensnet.saml"]


def _idp() -> dict:
    # Before any database work: with an https source this may fetch the IdP's metadata.
    try:
        return _provider().idp.current()
    except SamlUnavailable as exc:
        log.error("SAML login unavailable: %s", exc)
        abort(503, description=_(UNAVAILABLE))


@bp.get(METADATA_PATH)
def metadata():
    """The SP metadata to register the node at the IdP."""
    try:
        xml = _provider().metadata_xml()
    except SamlUnavailable as exc:
        log.error("SAML metadata unavailable: %s", exc)
        abort(503, description=_(UNAVAILABLE))
    return Response(xml, mimetype="application/samlmetadata+xml")


@bp.get("/login/saml")
def begin():
    """Send the browser to the IdP with a signed AuthnRequest (HTTP-Redirect binding)."""
    idp = _idp()
    url = _provider().begin_login(db(), idp, request.args.get("next") or "/")
    db().commit()
    return redirect(url)


@bp.post(ACS_PATH)
def acs():
    """The IdP's response: checked, single use, then the account's login session; every refusal explained."""
    idp = _idp()
    relay_state = request.form.get("RelayState", "")
    try:
        pending = pending_request(db(), relay_state)
        verified = _provider().verify_response(idp, request.form.to_dict(), pending.request_id)
        next_path = pending.next_path
        consume(db(), relay_state, verified)
        db().commit()  # single use from here on, whatever the role map says next
        user = sign_in(db(), verified.identity, RoleMap.parse(node_config().login.role_map))
    except LoginRefused as refused:
        db().rollback()
        return _refuse(idp["entityId"], refused)
    return start_login_session(user, next_path)


def _refuse(issuer: str, refused: LoginRefused):
    # The reason goes to the log and the audit log; the response itself is never echoed anywhere.
    log.warning("SAML login from %s refused: %s", issuer, refused.reason)
    record_admin_act(db(), web_actor(), AuditAct.LOGIN_REFUSED, issuer[:200],
                     description=f"Login via {node_config().login.saml_name} afvist: {refused.reason}"[:1000])
    db().commit()
    return login_page(_(refused.message), 403)
