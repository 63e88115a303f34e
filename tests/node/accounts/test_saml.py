"""The SAML room's own rules: the OIO privilege attribute decoded, requests and assertions single use, pruning."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from node.accounts.organisation_login import LoginRefused, OrganisationIdentity
from node.accounts.saml import VerifiedAssertion, consume, pending_request, privilege_values, prune_saml_records
from node.accounts.saml_models import SamlPendingRequest, SamlUsedAssertion
from node.core.models import utcnow

PRIVILEGES = (b'<?xml version="1.0" encoding="UTF-8"?>'
              b'<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">'
              b'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:29189854">'
              b'<Privilege>urn:dk:kombit:vidensnet-admin</Privilege><Privilege> urn:dk:kombit:laeser </Privilege>'
              b'</PrivilegeGroup><PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:55133018">'
              b'<Privilege>urn:dk:kombit:vidensnet-admin</Privilege></PrivilegeGroup></bpp:PrivilegeList>')
ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
               b'<PrivilegeList><PrivilegeGroup><Privilege>&b;</Privilege></PrivilegeGroup></PrivilegeList>')


def test_an_oio_privilege_list_in_base64_gives_each_privilege_once_whatever_its_group():
    assert privilege_values([base64.b64encode(PRIVILEGES).decode()]) == ("urn:dk:kombit:vidensnet-admin",
                                                                         "urn:dk:kombit:laeser")


def test_plain_attribute_values_are_role_values_as_they_are():
    assert privilege_values(["vidensnet-admin", "a b"]) == ("vidensnet-admin", "a", "b")


def test_base64_that_is_not_xml_is_taken_as_a_plain_value():
    # "cm9sZQ==" is base64 for "role": a plain value that merely looks like base64 is not decoded.
    assert privilege_values(["cm9sZQ=="]) == ("cm9sZQ==",)


def test_entities_in_a_privilege_list_are_not_expanded():
    values = privilege_values([base64.b64encode(ENTITY_BOMB).decode()])
    assert not any("aaaaaaaaaa" in value for value in values)


def _verified(assertion_id: str = "_a1") -> VerifiedAssertion:
    identity = OrganisationIdentity("saml", "https://idp.example/metadata", "subject-1", "Aarhus Kommune")
    return VerifiedAssertion(identity, assertion_id, utcnow() + timedelta(hours=1))


def _pending(session, relay_state: str, minutes: int = 10) -> None:
    session.add(SamlPendingRequest(relay_state=relay_state, request_id="ONELOGIN_1", next_path="/",
                                   expires_at=utcnow() + timedelta(minutes=minutes)))


def test_an_open_request_is_found_by_its_relay_state_once_and_an_expired_one_not_at_all(sessions):
    with sessions.begin() as session:
        _pending(session, "open")
        _pending(session, "old", minutes=-1)
    with sessions.begin() as session:
        assert pending_request(session, "open").request_id == "ONELOGIN_1"
        consume(session, "open", _verified())
    with sessions.begin() as session:
        for relay_state in ("open", "old", "", "unknown"):
            with pytest.raises(LoginRefused, match="RelayState"):
                pending_request(session, relay_state)


def test_an_assertion_id_is_accepted_once_even_with_a_second_open_request(sessions):
    with sessions.begin() as session:
        _pending(session, "first")
        _pending(session, "second")
    with sessions.begin() as session:
        consume(session, "first", _verified("_same"))
    with pytest.raises(LoginRefused, match="replayed assertion _same"), sessions.begin() as session:
        consume(session, "second", _verified("_same"))
    with sessions.begin() as session:
        consume(session, "second", _verified("_other"))


def test_housekeeping_forgets_expired_requests_and_assertions_and_keeps_the_rest(sessions):
    with sessions.begin() as session:
        _pending(session, "open")
        _pending(session, "old", minutes=-1)
        session.add_all([SamlUsedAssertion(issuer="i", assertion_id="_new", expires_at=utcnow() + timedelta(hours=1)),
                         SamlUsedAssertion(issuer="i", assertion_id="_old", expires_at=utcnow() - timedelta(hours=1))])
    with sessions.begin() as session:
        prune_saml_records(session, utcnow())
    with sessions() as session:
        assert list(session.scalars(select(SamlPendingRequest.relay_state))) == ["open"]
        assert list(session.scalars(select(SamlUsedAssertion.assertion_id))) == ["_new"]
