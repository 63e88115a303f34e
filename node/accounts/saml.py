"""SAML 2.0 login (OIOSAML 3 as KOMBIT's Context Handler and NemLog-in speak it) with python3-saml.

`begin_login` signs an AuthnRequest for the HTTP-Redirect binding and remembers its id on the server under a
random RelayState; `verify_response` checks what the IdP posted to the ACS (signed assertion, audience,
destination and recipient, `InResponseTo`, validity window, persistent NameID) and turns it into an
`OrganisationIdentity`; `consume` makes the request and the assertion single use. Nothing here commits.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node.accounts.organisation_login import LoginRefused, OrganisationIdentity, claim_values
from node.accounts.saml_metadata import PERSISTENT, IdpMetadata, acs_url, saml_settings
from node.accounts.saml_models import SamlPendingRequest, SamlUsedAssertion
from node.core.config import NodeConfig
from node.core.models import IdentityProtocol, utcnow
from node.core.translation import N_

REQUEST_MINUTES = 15  # time to log in at the IdP before the AuthnRequest is forgotten
# An assertion without NotOnOrAfter is remembered this long (python3-saml allows 5 minutes of clock drift).
ASSERTION_MEMORY = timedelta(hours=1)
# What the person reads, each one whole message (marked here, translated on the login page).
FAILED = N_("Svaret fra din organisations login kunne ikke godkendes, så du er ikke logget ind. Gå tilbage til "
            "login-siden, og log ind igen. Sker det igen, så kontakt nodens administrator.")
EXPIRED = N_("Svaret fra din organisations login er udløbet (eller uret på en af maskinerne går forkert). Gå tilbage "
             "til login-siden, og log ind igen.")
UNKNOWN_REQUEST = N_("Dette loginforsøg er ukendt, udløbet eller allerede brugt. Gå tilbage til login-siden, og log "
                     "ind igen.")
REPLAYED = N_("Dette login-svar er allerede brugt én gang og kan ikke bruges igen. Gå tilbage til login-siden, og "
              "log ind igen.")

DISPLAY_NAMES = ("https://data.gov.dk/model/core/eid/fullName", "urn:oid:2.16.840.1.113730.3.1.241", "displayName",
                 "urn:oid:2.5.4.3", "cn")
EMAILS = ("https://data.gov.dk/model/core/eid/email", "urn:oid:0.9.2342.19200300.100.1.3", "mail", "email")
USERNAMES = ("urn:oid:0.9.2342.19200300.100.1.1", "uid")


@dataclass(frozen=True)
class VerifiedAssertion:
    """What a valid response from the IdP says, with what replay protection needs."""

    identity: OrganisationIdentity
    assertion_id: str
    expires_at: datetime


class SamlServiceProvider:
    """This node as a SAML service provider of the one IdP in VIDENSNET_SAML_IDP_METADATA."""

    def __init__(self, config: NodeConfig):
        self.config = config
        self.idp = IdpMetadata(config.login.saml_idp_metadata)

    def metadata_xml(self) -> str:
        """The SP metadata to register at the IdP (entity id, ACS, signing certificate, what is required)."""
        settings = saml_settings(self.config, {})
        # The certificate is offered for encryption too, so an IdP that encrypts assertions (NemLog-in does) can;
        # python3-saml decrypts an EncryptedAssertion with the SP key and checks the signature inside it.
        settings["security"]["wantAssertionsEncrypted"] = True
        return OneLogin_Saml2_Settings(settings, sp_validation_only=True).get_sp_metadata().decode("utf-8")

    def begin_login(self, session: Session, idp: dict, next_path: str) -> str:
        """A signed AuthnRequest as a redirect URL to the IdP; its id is kept under a new RelayState."""
        auth = OneLogin_Saml2_Auth(self._request_data({}), saml_settings(self.config, idp))
        relay_state = secrets.token_urlsafe(32)
        url = auth.login(return_to=relay_state)
        session.add(SamlPendingRequest(relay_state=relay_state, request_id=auth.get_last_request_id(),
                                       next_path=next_path[:500],
                                       expires_at=utcnow() + timedelta(minutes=REQUEST_MINUTES)))
        return url

    def verify_response(self, idp: dict, form: dict[str, str], request_id: str) -> VerifiedAssertion:
        """The identity in the posted SAMLResponse, or LoginRefused with the library's reason."""
        auth = OneLogin_Saml2_Auth(self._request_data(form), saml_settings(self.config, idp))
        try:
            auth.process_response(request_id=request_id)
        except Exception as exc:  # python3-saml raises for responses it cannot even parse (not base64, not XML)
            raise LoginRefused(f"unreadable SAMLResponse: {exc}", FAILED) from None
        if auth.get_errors() or not auth.is_authenticated():
            reason = auth.get_last_error_reason() or ", ".join(auth.get_errors()) or "not authenticated"
            raise LoginRefused(reason, EXPIRED if _is_about_time(reason) else FAILED)
        if auth.get_last_response_in_response_to() != request_id:
            # python3-saml lets an unsolicited response (no InResponseTo at all) through; this SP asked.
            raise LoginRefused(f"InResponseTo {auth.get_last_response_in_response_to()!r} is not the request's",
                               FAILED)
        if auth.get_nameid_format() != PERSISTENT or not auth.get_nameid():
            raise LoginRefused(f"NameID format {auth.get_nameid_format()!r}, not persistent", FAILED)
        not_after = auth.get_last_assertion_not_on_or_after()
        expires = datetime.fromtimestamp(not_after, UTC) if not_after else utcnow() + ASSERTION_MEMORY
        return VerifiedAssertion(self._identity(idp["entityId"], auth), auth.get_last_assertion_id(),
                                 max(expires, utcnow()) + ASSERTION_MEMORY)

    def _identity(self, issuer: str, auth: OneLogin_Saml2_Auth) -> OrganisationIdentity:
        attributes = {**auth.get_friendlyname_attributes(), **auth.get_attributes()}
        email = _first(attributes, EMAILS)
        return OrganisationIdentity(
            protocol=IdentityProtocol.SAML, issuer=issuer, subject=auth.get_nameid(),
            provider_name=self.config.login.saml_name, display_name=_first(attributes, DISPLAY_NAMES),
            email=email, username_hint=_first(attributes, USERNAMES) or email.split("@")[0],
            role_values=privilege_values(attributes.get(self.config.login.saml_role_attribute, [])))

    def _request_data(self, form: dict[str, str]) -> dict:
        # The ACS as the node's public URL says, so Destination and Recipient are checked against that.
        acs = urlsplit(acs_url(self.config))
        return {"https": "on" if acs.scheme == "https" else "off", "http_host": acs.netloc,
                "script_name": acs.path, "get_data": {}, "post_data": dict(form)}


def _is_about_time(reason: str) -> bool:
    return any(word in reason.lower() for word in ("expired", "timestamp", "notonorafter", "notbefore"))


def _first(attributes: dict[str, list[str]], names: tuple[str, ...]) -> str:
    for name in names:
        for value in attributes.get(name) or ():
            if value and str(value).strip():
                return str(value).strip()
    return ""


def pending_request(session: Session, relay_state: str) -> SamlPendingRequest:
    """The open AuthnRequest the RelayState names, or LoginRefused when there is none (unknown, used, expired)."""
    pending = session.get(SamlPendingRequest, relay_state[:64]) if relay_state else None
    if pending is None or pending.expires_at <= utcnow():
        raise LoginRefused("unknown, used or expired RelayState (no open AuthnRequest for InResponseTo)",
                           UNKNOWN_REQUEST)
    return pending


def consume(session: Session, relay_state: str, verified: VerifiedAssertion) -> None:
    """Make the request and the assertion single use; LoginRefused for a replay (or a race with one)."""
    taken = session.execute(delete(SamlPendingRequest).where(SamlPendingRequest.relay_state == relay_state))
    seen = session.scalar(select(SamlUsedAssertion.id).where(
        SamlUsedAssertion.issuer == verified.identity.issuer, SamlUsedAssertion.assertion_id == verified.assertion_id))
    if seen is not None or taken.rowcount != 1:
        raise LoginRefused(f"replayed assertion {verified.assertion_id}", REPLAYED)
    session.add(SamlUsedAssertion(issuer=verified.identity.issuer, assertion_id=verified.assertion_id[:200],
                                  expires_at=verified.expires_at))
    try:
        session.flush()
    except IntegrityError:  # the same assertion accepted by a concurrent request a moment ago
        raise LoginRefused(f"replayed assertion {verified.assertion_id}", REPLAYED) from None


def prune_saml_records(session: Session, now: datetime) -> None:
    """Forget expired AuthnRequests and assertions past their validity (they would be refused as expired)."""
    session.execute(delete(SamlPendingRequest).where(SamlPendingRequest.expires_at <= now))
    session.execute(delete(SamlUsedAssertion).where(SamlUsedAssertion.expires_at <= now))


PRIVILEGE = "Privilege"


def privilege_values(values: list[str]) -> tuple[str, ...]:
    """Role values from the attribute: an OIO basic privilege list (base64 XML) decoded, plain values as they are."""
    found: list[str] = []
    for value in values:
        found.extend(_privileges(value) or claim_values(str(value)))
    return tuple(dict.fromkeys(found))


def _privileges(value: str) -> list[str] | None:
    # OIO-BPP: base64 of <bpp:PrivilegeList><PrivilegeGroup Scope="..."><Privilege>urn:...</Privilege>...
    try:
        xml = base64.b64decode(str(value).strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not xml.lstrip().startswith(b"<"):
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        return None
    return [e.text.strip() for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == PRIVILEGE
            and e.text and e.text.strip()]
