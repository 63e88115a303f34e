"""Organisation logins: roles from the role map, accounts linked to (protocol, issuer, subject), never to a name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from node.accounts.organisation_login import (
    LoginRefused,
    OrganisationIdentity,
    RoleMap,
    claim_values,
    login_methods,
    sign_in,
)
from node.accounts.users import authenticate, create_user
from node.audit.models import AuditEvent
from node.core.config import ConfigError, load_organisation_login
from node.core.models import ExternalIdentity, User, UserState
from tests.helpers.nodes import PASSWORD

ISSUER = "http://127.0.0.1:9000"
MAP = RoleMap.parse("vidensnet-admin=admin,vidensnet-udgiver=publisher,vidensnet-laeser=reader")


def _anna(**changes) -> OrganisationIdentity:
    values = {"protocol": "oidc", "issuer": ISSUER, "subject": "a1b2", "provider_name": "Aarhus Kommune",
              "display_name": "Anna Sørensen", "email": "anna@aarhus.dk", "username_hint": "anna",
              "role_values": ("vidensnet-laeser",)}
    return OrganisationIdentity(**{**values, **changes})


def test_the_highest_mapped_role_wins_and_unmapped_values_give_no_role_unless_a_star_says_so():
    assert MAP.role_for(["vidensnet-laeser", "vidensnet-udgiver", "andet"]) == "publisher"
    assert MAP.role_for(["andet"]) is None
    assert RoleMap.parse("vidensnet-admin=admin,*=reader").role_for(["andet"]) == "reader"


def test_role_values_come_as_a_list_or_a_space_or_comma_separated_string():
    assert claim_values(["a", " b "]) == ("a", "b")
    assert claim_values("a b,c") == ("a", "b", "c")
    assert claim_values(None) == ()


@pytest.mark.parametrize("text", ["vidensnet-admin=owner", "=reader", "bare-value"])
def test_a_role_map_with_an_unknown_role_or_no_value_refuses_to_start_naming_the_entry(monkeypatch, text):
    monkeypatch.setenv("VIDENSNET_ROLE_MAP", f"vidensnet-laeser=reader,{text}")
    with pytest.raises(ConfigError, match="VIDENSNET_ROLE_MAP entry 2"):
        load_organisation_login()


def test_a_first_login_creates_a_linked_account_without_a_local_password_and_records_it(sessions):
    with sessions.begin() as session:
        user = sign_in(session, _anna(), MAP)
        assert (user.username, user.role, user.display_name) == ("anna", "reader", "Anna Sørensen")
        assert login_methods(user) == ["OpenID Connect: Aarhus Kommune"]
    with sessions() as session:
        assert authenticate(session, "anna", "") is None
        assert session.scalar(select(AuditEvent.act)) == "user_created"


def test_the_same_subject_logs_in_to_the_same_account_and_its_role_is_read_again_each_time(sessions):
    with sessions.begin() as session:
        first = sign_in(session, _anna(), MAP).id
    with sessions.begin() as session:
        again = sign_in(session, _anna(role_values=("vidensnet-udgiver",), display_name="Anna S."), MAP)
        assert (again.id, again.role, again.display_name) == (first, "publisher", "Anna S.")
    with sessions.begin() as session, pytest.raises(LoginRefused) as refused:
        sign_in(session, _anna(role_values=()), MAP)
    assert "ikke givet dig en rolle" in refused.value.message


def test_a_provider_user_named_like_a_local_admin_gets_an_account_of_their_own(sessions):
    with sessions.begin() as session:
        create_user(session, "admin", PASSWORD, "admin")
    with sessions.begin() as session:
        user = sign_in(session, _anna(username_hint="admin", role_values=("vidensnet-admin",)), MAP)
        assert user.username.startswith("admin-") and user.password_hash != ""
    with sessions() as session:
        assert authenticate(session, "admin", PASSWORD).identities == []
        assert session.scalar(select(ExternalIdentity.user_id)) == user.id


def test_another_issuer_with_the_same_subject_is_another_person(sessions):
    with sessions.begin() as session:
        one = sign_in(session, _anna(), MAP).id
        other = sign_in(session, _anna(issuer="https://idp.randers.dk", username_hint="anna"), MAP).id
    assert one != other


def test_a_disabled_account_is_refused_at_its_organisation_login(sessions):
    with sessions.begin() as session:
        sign_in(session, _anna(), MAP).state = UserState.DISABLED
    with sessions.begin() as session, pytest.raises(LoginRefused, match="disabled"):
        sign_in(session, _anna(), MAP)
    with sessions() as session:
        assert session.scalar(select(User.state)) == UserState.DISABLED
