"""SAML login in the app against a real SimpleSAMLphp IdP: the browser's steps, role mapping, and every refusal.

The refusals that need a response SimpleSAMLphp would never send (expired, for another audience) take a real
response from it, change it and sign it again with the IdP's own test key; a control proves that re-signing
alone is accepted, so those refusals come from the change and not from the re-signing.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import select

from node.accounts.saml_keys import generate_sp_keys
from node.accounts.saml_models import SamlPendingRequest
from node.audit.models import AuditEvent
from node.core.models import ExternalIdentity, User, UserState
from node.web.app import create_app
from tests.helpers.saml_idp import (
    SAML_NS,
    browser_login,
    direct_session,
    encode_response,
    make_key_pair,
    page_forms,
    response_xml,
    sign_assertion,
    without_signatures,
)

ROLE_MAP = "vidensnet-admin=admin,urn:dk:kombit:vidensnet-udgiver=publisher,vidensnet-laeser=reader"
NODE_ACS = "http://127.0.0.1:8080/saml/acs"


@pytest.fixture
def saml_app(config, simplesamlphp, tmp_path):
    """The node's app as SAML SP of SimpleSAMLphp (roles in the plain `roles` attribute), registered there."""
    def make(role_attribute: str = "roles", encrypt_assertions: bool = False):
        generate_sp_keys(config.keys_dir, "Aarhus Kommune", bits=2048, force=True)
        login = dataclasses.replace(config.login, saml_idp_metadata=str(simplesamlphp.metadata_file(tmp_path)),
                                    saml_name="Aarhus Kommune", saml_role_attribute=role_attribute, role_map=ROLE_MAP)
        app = create_app(dataclasses.replace(config, login=login))
        simplesamlphp.register_sp("in-process", app.test_client().get("/saml/metadata").get_data(as_text=True),
                                  encrypt_assertions=encrypt_assertions)
        return app
    return make


def idp_answer(client, username: str, next_path: str = "/konto") -> dict[str, str]:
    """Start at the node, log in at the IdP; the fields the IdP's auto-POST form would send to the ACS."""
    start = client.get(f"/login/saml?next={next_path}")
    assert start.status_code == 302
    action, fields = browser_login(direct_session(), start.headers["Location"], username)
    assert action == NODE_ACS
    return fields


def linked_user(sessions, username_at_idp: str) -> User | None:
    with sessions() as session:
        link = session.scalar(select(ExternalIdentity).where(ExternalIdentity.email.startswith(username_at_idp)))
        return link and link.user


def refusals(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent.description).where(AuditEvent.act == "login_refused")))


def assert_refused(response, sessions, reason: str, caplog, advice: str = "log ind igen") -> str:
    """A 403 with a Danish page saying what to do, the reason in the node's log and in its audit log."""
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert advice in page
    assert any(reason in description for description in refusals(sessions)), refusals(sessions)
    assert any(reason in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    return page


def test_the_sp_metadata_asks_for_signed_requests_and_assertions_and_a_persistent_nameid(saml_app):
    xml = saml_app().test_client().get("/saml/metadata").get_data(as_text=True)
    assert 'entityID="http://127.0.0.1:8080/saml/metadata"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml
    assert f'Location="{NODE_ACS}"' in xml and "HTTP-POST" in xml
    assert "nameid-format:persistent" in xml and "X509Certificate" in xml
    assert 'use="signing"' in xml and 'use="encryption"' in xml


def test_the_authn_request_goes_to_the_idp_signed_with_rsa_sha256(saml_app, simplesamlphp):
    location = saml_app().test_client().get("/login/saml").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(simplesamlphp.url + "/saml2/idp/SSOService.php")
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"] and query["Signature"][0]
    assert query["RelayState"][0]


def test_simplesamlphp_refuses_the_authn_request_once_its_signature_is_altered(saml_app):
    # The node's metadata says AuthnRequestsSigned="true", so the IdP verifies the signature the node made.
    location = saml_app().test_client().get("/login/saml").headers["Location"]
    signature = parse_qs(urlsplit(location).query)["Signature"][0]
    altered = location.replace(quote(signature, safe=""), quote(signature[::-1], safe=""))
    assert altered != location

    def offers_login_form(url: str) -> bool:  # SimpleSAMLphp answers its error page with status 200
        return any("password" in fields for _, fields in page_forms(direct_session().get(url, timeout=30).text))
    assert not offers_login_form(altered)
    assert offers_login_form(location)


def test_a_user_whose_role_maps_to_admin_logs_in_through_simplesamlphp_and_lands_where_she_started(
        saml_app, sessions, simplesamlphp):
    client = saml_app().test_client()
    answer = client.post("/saml/acs", data=idp_answer(client, "anna", "/admin/"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    user = linked_user(sessions, "anna")
    assert (user.role, user.display_name) == ("admin", "Anna Admin")
    with sessions() as session:
        link = session.scalar(select(ExternalIdentity))
        assert (link.protocol, link.issuer, link.provider_name) == ("saml", simplesamlphp.entity_id, "Aarhus Kommune")
        assert link.subject and link.subject != "anna"  # the persistent NameID, never the username


def test_an_assertion_the_idp_encrypted_to_the_nodes_certificate_is_decrypted_and_accepted(saml_app, sessions):
    client = saml_app(encrypt_assertions=True).test_client()
    fields = idp_answer(client, "anna")
    root = response_xml(fields["SAMLResponse"])
    assert root.find("saml:EncryptedAssertion", SAML_NS) is not None and root.find("saml:Assertion", SAML_NS) is None
    assert client.post("/saml/acs", data=fields).status_code == 302
    assert linked_user(sessions, "anna").role == "admin"


def test_the_oio_privilege_list_in_base64_xml_maps_to_the_publisher_role(saml_app, sessions):
    client = saml_app(role_attribute="https://data.gov.dk/model/core/eid/privilegesIntermediate").test_client()
    assert client.post("/saml/acs", data=idp_answer(client, "bodil")).status_code == 302
    user = linked_user(sessions, "bodil")
    assert (user.role, user.display_name) == ("publisher", "Bodil Bæk Ørum")


def test_a_user_without_a_mapped_role_is_refused_with_a_danish_page_a_log_line_and_an_audit_event(
        saml_app, sessions, caplog):
    client = saml_app().test_client()
    page = assert_refused(client.post("/saml/acs", data=idp_answer(client, "niels")), sessions, "no role", caplog,
                          advice="Kontakt din organisations it-afdeling")
    assert "ikke givet dig en rolle" in page
    assert linked_user(sessions, "niels") is None
    assert client.get("/admin/").status_code == 302


def test_a_disabled_account_is_refused_at_its_next_saml_login(saml_app, sessions, caplog):
    client = saml_app().test_client()
    assert client.post("/saml/acs", data=idp_answer(client, "anna")).status_code == 302
    with sessions.begin() as session:
        session.get(User, linked_user(sessions, "anna").id).state = UserState.DISABLED
    again = saml_app().test_client()
    page = assert_refused(again.post("/saml/acs", data=idp_answer(again, "anna")), sessions, "disabled", caplog,
                          advice="Kontakt din organisations it-afdeling")
    assert "deaktiveret" in page


def test_the_same_response_posted_again_is_refused(saml_app, sessions, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    assert client.post("/saml/acs", data=fields).status_code == 302
    other = saml_app().test_client()
    assert_refused(other.post("/saml/acs", data=fields), sessions, "RelayState", caplog)
    assert other.get("/admin/").status_code == 302


def test_an_accepted_assertion_is_refused_again_even_when_its_request_is_still_open(saml_app, sessions, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    with sessions() as session:
        pending = session.get(SamlPendingRequest, fields["RelayState"])
        copy = SamlPendingRequest(relay_state=pending.relay_state, request_id=pending.request_id,
                                  next_path=pending.next_path, expires_at=pending.expires_at)
    assert client.post("/saml/acs", data=fields).status_code == 302
    with sessions.begin() as session:  # as if a second POST raced the first one past the request check
        session.add(copy)
    assert_refused(saml_app().test_client().post("/saml/acs", data=fields), sessions, "replayed assertion", caplog)


def test_a_response_for_another_login_request_is_refused(saml_app, sessions, caplog):
    client = saml_app().test_client()
    first, second = idp_answer(client, "anna"), idp_answer(client, "anna")
    crossed = {"SAMLResponse": first["SAMLResponse"], "RelayState": second["RelayState"]}
    assert_refused(client.post("/saml/acs", data=crossed), sessions, "InResponseTo", caplog)


def test_a_response_stripped_of_its_signatures_is_refused(saml_app, sessions, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    fields["SAMLResponse"] = encode_response(without_signatures(response_xml(fields["SAMLResponse"])))
    assert_refused(client.post("/saml/acs", data=fields), sessions, "not signed", caplog)
    assert linked_user(sessions, "anna") is None


def test_a_response_whose_signed_role_value_was_changed_is_refused(saml_app, sessions, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "lars")
    root = response_xml(fields["SAMLResponse"])
    value = next(v for v in root.iterfind(".//saml:AttributeValue", SAML_NS) if v.text == "vidensnet-laeser")
    value.text = "vidensnet-admin"
    fields["SAMLResponse"] = encode_response(root)
    assert_refused(client.post("/saml/acs", data=fields), sessions, "Signature validation failed", caplog)
    assert linked_user(sessions, "lars") is None


def test_a_response_signed_with_another_key_is_refused(saml_app, sessions, caplog, tmp_path):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    key, cert = make_key_pair(tmp_path, "impostor")
    fields["SAMLResponse"] = encode_response(sign_assertion(response_xml(fields["SAMLResponse"]), key, cert))
    assert_refused(client.post("/saml/acs", data=fields), sessions, "Signature validation failed", caplog)


def test_a_response_signed_again_with_the_idps_own_key_is_accepted(saml_app, sessions, simplesamlphp):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    root = sign_assertion(response_xml(fields["SAMLResponse"]), simplesamlphp.key_path, simplesamlphp.cert_path)
    fields["SAMLResponse"] = encode_response(root)
    assert client.post("/saml/acs", data=fields).status_code == 302
    assert linked_user(sessions, "anna").role == "admin"


def test_an_assertion_signed_with_rsa_pss_as_oces3_keys_may_be_is_accepted(saml_app, sessions, simplesamlphp):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    root = sign_assertion(response_xml(fields["SAMLResponse"]), simplesamlphp.key_path, simplesamlphp.cert_path,
                          rsa_pss=True)
    assert root.find(".//ds:SignatureMethod", SAML_NS).get("Algorithm").endswith("sha256-rsa-MGF1")
    fields["SAMLResponse"] = encode_response(root)
    assert client.post("/saml/acs", data=fields).status_code == 302
    assert linked_user(sessions, "anna").role == "admin"


def test_an_unsolicited_response_without_in_response_to_is_refused(saml_app, sessions, simplesamlphp, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    root = response_xml(fields["SAMLResponse"])
    for element in [root, *root.iterfind(".//saml:SubjectConfirmationData", SAML_NS)]:
        del element.attrib["InResponseTo"]
    fields["SAMLResponse"] = encode_response(sign_assertion(root, simplesamlphp.key_path, simplesamlphp.cert_path))
    assert_refused(client.post("/saml/acs", data=fields), sessions, "InResponseTo", caplog)


def _saml_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_expired_assertion_is_refused(saml_app, sessions, simplesamlphp, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    root = response_xml(fields["SAMLResponse"])
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for element in root.iterfind(".//*[@NotOnOrAfter]"):
        element.set("NotOnOrAfter", _saml_time(an_hour_ago))
    for element in root.iterfind(".//*[@NotBefore]"):
        element.set("NotBefore", _saml_time(an_hour_ago - timedelta(minutes=5)))
    fields["SAMLResponse"] = encode_response(sign_assertion(root, simplesamlphp.key_path, simplesamlphp.cert_path))
    page = assert_refused(client.post("/saml/acs", data=fields), sessions, "expired", caplog)
    assert "udløbet" in page
    assert linked_user(sessions, "anna") is None


def test_an_assertion_for_another_audience_is_refused(saml_app, sessions, simplesamlphp, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    root = response_xml(fields["SAMLResponse"])
    root.find(".//saml:Audience", SAML_NS).text = "https://another-service.example/saml/metadata"
    fields["SAMLResponse"] = encode_response(sign_assertion(root, simplesamlphp.key_path, simplesamlphp.cert_path))
    assert_refused(client.post("/saml/acs", data=fields), sessions, "audience", caplog)


def test_a_made_up_relay_state_is_refused(saml_app, sessions, caplog):
    client = saml_app().test_client()
    fields = idp_answer(client, "anna")
    fields["RelayState"] = "made-up"
    assert_refused(client.post("/saml/acs", data=fields), sessions, "RelayState", caplog)


def test_without_idp_metadata_the_node_has_no_saml_routes_and_no_saml_button(client):
    assert client.get("/saml/metadata").status_code == 404
    assert client.get("/login/saml").status_code == 404
    assert "/login/saml" not in client.get("/login").get_data(as_text=True)
