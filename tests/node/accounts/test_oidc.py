"""The OpenID Connect checks one by one: ID tokens signed with test keys, and the authorization response.

Discovery and keys come over real HTTP from a local server (the `feeds` fixture), so key rollover is the
node fetching a provider's JWKS again; the whole flow against a real provider is in
tests/node/web/views/test_oidc_login.py.
"""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from node.accounts.oidc import (
    PENDING_SECONDS,
    ExpectedToken,
    OidcProvider,
    OidcRefused,
    PendingLogin,
    ProviderMetadata,
    check_answer,
    complete_claims,
    identity_from_claims,
    logout_url,
    verify_id_token,
)
from node.core.config import OrganisationLogin

NOW = 1_900_000_000.0
ISSUER = "https://login.aarhus.dk"
KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
EXPECTED = ExpectedToken(ISSUER, "vidensnet", "nonce-1")
METADATA = ProviderMetadata(issuer=ISSUER, authorization_endpoint=ISSUER + "/auth", token_endpoint=ISSUER + "/token",
                            jwks_uri=ISSUER + "/jwks", end_session_endpoint=ISSUER + "/logout", sends_iss=True)


def _claims(**changes) -> dict:
    claims = {"iss": ISSUER, "aud": "vidensnet", "sub": "anna", "exp": NOW + 300, "iat": NOW, "nonce": "nonce-1"}
    return {name: value for name, value in {**claims, **changes}.items() if value is not None}


def _token(key=KEY, alg: str = "RS256", **changes) -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, _claims(**changes), key, algorithms=[alg])


def _verify(token: str, expected: ExpectedToken = EXPECTED, now: float = NOW) -> dict:
    return verify_id_token(token, lambda kid: KEY, expected, now)


def test_a_token_signed_by_the_providers_key_for_this_client_with_this_nonce_is_accepted():
    assert _verify(_token())["sub"] == "anna"


@pytest.mark.parametrize(("changes", "reason"), [
    ({"aud": "another-node"}, "audience"),
    ({"aud": ["another-node", "third"]}, "audience"),
    ({"aud": ["vidensnet", "another-node"]}, "several audiences and no azp"),
    ({"aud": ["vidensnet", "another-node"], "azp": "another-node"}, "azp is another client"),
    ({"azp": "another-node"}, "azp is another client"),
    ({"iss": "https://login.randers.dk"}, "issuer"),
    ({"exp": NOW - 61}, "expired"),
    ({"exp": None}, "expired"),
    ({"iat": NOW + 120}, "issued in the future"),
    ({"nonce": "nonce-of-another-login"}, "nonce"),
    ({"nonce": None}, "nonce"),
    ({"sub": ""}, "no subject"),
])
def test_a_token_with_a_wrong_claim_is_refused_naming_the_claim(changes, reason):
    with pytest.raises(OidcRefused, match=reason) as refused:
        _verify(_token(**changes))
    assert refused.value.status == 401 and "kunne ikke godkendes" in refused.value.message


@pytest.mark.parametrize(("key", "alg"), [(ECKey.generate_key("P-256", parameters={"kid": "ec"}), "ES256"),
                                          (OKPKey.generate_key("Ed25519", parameters={"kid": "ed"}), "Ed25519"),
                                          (RSAKey.generate_key(2048, parameters={"kid": "ps"}), "PS256")])
def test_a_token_signed_with_another_asymmetric_algorithm_the_provider_may_use_is_accepted(key, alg):
    assert verify_id_token(_token(key=key, alg=alg), lambda kid: key, EXPECTED, NOW)["sub"] == "anna"


def test_a_token_with_several_audiences_is_accepted_when_azp_names_this_client():
    assert _verify(_token(aud=["vidensnet", "api"], azp="vidensnet"))["sub"] == "anna"


def test_a_token_a_minute_past_its_expiry_is_still_within_the_clock_leeway_but_not_later():
    token = _token(exp=NOW)
    assert _verify(token, now=NOW + 59)["sub"] == "anna"
    with pytest.raises(OidcRefused, match="expired"):
        _verify(token, now=NOW + 61)


def test_a_token_signed_by_another_key_under_the_providers_key_id_is_refused():
    forged = _token(key=RSAKey.generate_key(2048, parameters={"kid": "key-1"}))
    with pytest.raises(OidcRefused, match="signature"):
        _verify(forged)


def test_an_unsigned_token_and_one_signed_with_the_client_secret_are_refused():
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    payload = jwt.encode({"alg": "HS256"}, _claims(), OctKey.import_key("s" * 32)).split(".")[1]
    with pytest.raises(OidcRefused, match="'none'"):
        _verify(f"{header}.{payload}.")
    with pytest.raises(OidcRefused, match="'HS256'"):
        _verify(jwt.encode({"alg": "HS256"}, _claims(), OctKey.import_key("client-secret" * 3)))


def test_a_token_that_is_not_a_jwt_is_refused():
    with pytest.raises(OidcRefused, match="not a signed JWT"):
        _verify("not-a-token")


def _provider_at(feeds, *keys: RSAKey) -> OidcProvider:
    feeds.put("/.well-known/openid-configuration", json.dumps({
        "issuer": feeds.url, "authorization_endpoint": feeds.url + "/auth", "token_endpoint": feeds.url + "/token",
        "jwks_uri": feeds.url + "/jwks"}), "application/json")
    _publish(feeds, *keys)
    return OidcProvider(OrganisationLogin(oidc_issuer=feeds.url, oidc_client_id="vidensnet"))


def _publish(feeds, *keys: RSAKey) -> None:
    feeds.put("/jwks", json.dumps({"keys": [key.as_dict(private=False) for key in keys]}), "application/json")


def _provider_token(feeds, key: RSAKey) -> str:
    claims = _claims(iss=feeds.url, exp=time.time() + 300, iat=time.time())
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def _verify_at(provider: OidcProvider, token: str) -> dict:
    return verify_id_token(token, provider.signing_key, ExpectedToken(provider.login.oidc_issuer, "vidensnet",
                                                                      "nonce-1"), time.time())


def test_a_token_under_a_key_the_provider_rolled_over_to_fetches_its_keys_again_once(feeds):
    old, new = (RSAKey.generate_key(2048, parameters={"kid": kid}) for kid in ("2026-old", "2026-new"))
    provider = _provider_at(feeds, old)
    assert _verify_at(provider, _provider_token(feeds, old))["sub"] == "anna"
    assert _verify_at(provider, _provider_token(feeds, old))["sub"] == "anna"
    assert feeds.seen("/jwks") == 1  # the keys are cached
    _publish(feeds, old, new)
    assert _verify_at(provider, _provider_token(feeds, new))["sub"] == "anna"
    assert feeds.seen("/jwks") == 2
    assert feeds.seen("/.well-known/openid-configuration") == 1


def test_a_token_under_a_key_the_provider_does_not_publish_even_after_fetching_again_is_refused(feeds):
    published, unknown = (RSAKey.generate_key(2048, parameters={"kid": kid}) for kid in ("published", "unknown"))
    provider = _provider_at(feeds, published)
    _verify_at(provider, _provider_token(feeds, published))
    with pytest.raises(OidcRefused, match="does not publish"):
        _verify_at(provider, _provider_token(feeds, unknown))
    assert feeds.seen("/jwks") == 2


def test_a_discovery_document_for_another_issuer_is_refused(feeds):
    feeds.put("/.well-known/openid-configuration", json.dumps({
        "issuer": "https://evil.example", "authorization_endpoint": "https://evil.example/auth",
        "token_endpoint": "https://evil.example/token", "jwks_uri": "https://evil.example/jwks"}), "application/json")
    with pytest.raises(OidcRefused, match="another issuer") as refused:
        OidcProvider(OrganisationLogin(oidc_issuer=feeds.url, oidc_client_id="vidensnet")).metadata()
    assert refused.value.status == 502


def test_a_provider_that_does_not_answer_refuses_the_login_saying_to_try_again_later(feeds):
    feeds.fail("/.well-known/openid-configuration", 503)
    with pytest.raises(OidcRefused, match="could not be fetched") as refused:
        OidcProvider(OrganisationLogin(oidc_issuer=feeds.url, oidc_client_id="vidensnet")).metadata()
    assert refused.value.status == 502 and "Prøv igen om lidt" in refused.value.message


PENDING = PendingLogin(state="state-1", nonce="nonce-1", code_verifier="v" * 64, next_path="/", started=NOW)


@pytest.mark.parametrize(("pending", "answer", "reason"), [
    (None, {"state": "state-1", "code": "c", "iss": ISSUER}, "no login was started"),
    (PENDING, {"state": "state-2", "code": "c", "iss": ISSUER}, "state does not match"),
    (PENDING, {"code": "c", "iss": ISSUER}, "state does not match"),
    (PENDING, {"state": "state-1", "code": "c", "iss": "https://evil.example"}, "RFC 9207"),
    (PENDING, {"state": "state-1", "code": "c"}, "RFC 9207"),
    (PENDING, {"state": "state-1", "iss": ISSUER}, "no code"),
    (PENDING, {"state": "state-1", "iss": ISSUER, "error": "server_error"}, "error=server_error"),
])
def test_an_authorization_response_that_does_not_answer_this_login_is_refused(pending, answer, reason):
    with pytest.raises(OidcRefused, match=reason):
        check_answer(pending, answer, METADATA, NOW)


def test_an_authorization_response_to_a_login_started_too_long_ago_is_refused():
    with pytest.raises(OidcRefused, match="too long ago"):
        check_answer(PENDING, {"state": "state-1", "code": "c", "iss": ISSUER}, METADATA, NOW + PENDING_SECONDS + 1)


def test_a_provider_that_does_not_announce_rfc_9207_may_leave_iss_out():
    metadata = ProviderMetadata(**{**METADATA.__dict__, "sends_iss": False})
    assert check_answer(PENDING, {"state": "state-1", "code": "c"}, metadata, NOW) is PENDING


def test_the_identity_reads_roles_from_the_configured_claim_even_nested_and_links_to_issuer_and_subject():
    login = OrganisationLogin(oidc_issuer=ISSUER, oidc_client_id="vidensnet", oidc_name="Aarhus Kommune",
                              oidc_role_claim="realm_access.roles")
    identity = identity_from_claims(_claims(name="Anna Andersen", email="anna@aarhus.dk",
                                            realm_access={"roles": ["vidensnet-admin"]}), ISSUER, login)
    assert (identity.issuer, identity.subject, identity.role_values) == (ISSUER, "anna", ("vidensnet-admin",))
    assert (identity.display_name, identity.username_hint, identity.provider_name) == \
        ("Anna Andersen", "anna@aarhus.dk", "Aarhus Kommune")


def test_logout_goes_to_the_end_session_endpoint_with_the_hint_and_only_when_the_provider_has_one():
    url = logout_url(METADATA, "id.token.here", "vidensnet", "https://vidensnet.aarhus.dk/")
    assert url.startswith(ISSUER + "/logout?") and "id_token_hint=id.token.here" in url
    assert "post_logout_redirect_uri=https%3A%2F%2Fvidensnet.aarhus.dk%2F" in url
    assert logout_url(ProviderMetadata(**{**METADATA.__dict__, "end_session_endpoint": ""}), "t", "c", "u") is None


def test_an_id_token_too_large_for_the_session_cookie_is_left_out_of_the_logout_and_the_client_id_names_the_node():
    url = logout_url(METADATA, "x" * 2001, "vidensnet", "https://vidensnet.aarhus.dk/")
    assert "id_token_hint" not in url and "client_id=vidensnet" in url


def _userinfo_at(feeds) -> ProviderMetadata:
    return ProviderMetadata(**{**METADATA.__dict__, "userinfo_endpoint": feeds.url + "/me"})


def test_roles_missing_from_the_id_token_are_read_from_userinfo_where_the_token_wins_on_shared_claims(feeds):
    feeds.put("/me", json.dumps({"sub": "anna", "roles": ["vidensnet-admin"], "name": "Anna", "iss": "x"}),
              "application/json")
    claims = complete_claims(_claims(), _userinfo_at(feeds), "access-token", "roles")
    assert claims["roles"] == ["vidensnet-admin"] and claims["name"] == "Anna" and claims["iss"] == ISSUER
    assert feeds.requests[-1]["Authorization"] == "Bearer access-token"


def test_userinfo_for_another_subject_is_refused(feeds):
    feeds.put("/me", json.dumps({"sub": "bo", "roles": ["vidensnet-admin"]}), "application/json")
    with pytest.raises(OidcRefused, match="another subject"):
        complete_claims(_claims(), _userinfo_at(feeds), "access-token", "roles")


def test_a_failing_userinfo_refuses_only_a_login_that_needs_it_for_the_roles(feeds):
    feeds.fail("/me", 500)
    with pytest.raises(OidcRefused, match="userinfo endpoint could not be read"):
        complete_claims(_claims(), _userinfo_at(feeds), "access-token", "roles")
    with_roles = _claims(roles=["vidensnet-laeser"])
    assert complete_claims(with_roles, _userinfo_at(feeds), "access-token", "roles") == with_roles
