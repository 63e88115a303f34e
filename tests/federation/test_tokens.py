"""Node-to-node JWTs: Ed25519, audience and expiry checked, small clock skew tolerated."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.identity import public_key_text
from federation.tokens import SeenTokens, TokenError, check_binding, issue_token, unverified_issuer, verify_token

KEY = Ed25519PrivateKey.generate()
PUBLIC = public_key_text(KEY)


def test_token_verifies_for_its_audience_and_names_its_issuer():
    token = issue_token(KEY, "aarhus-kommune", "oestjyllands-politi")
    assert unverified_issuer(token) == "aarhus-kommune"
    assert verify_token(token, PUBLIC, "oestjyllands-politi")["iss"] == "aarhus-kommune"


def test_token_for_another_audience_is_refused():
    with pytest.raises(TokenError):
        verify_token(issue_token(KEY, "a", "b"), PUBLIC, "c")


def test_token_signed_by_another_key_is_refused():
    with pytest.raises(TokenError):
        verify_token(issue_token(Ed25519PrivateKey.generate(), "a", "b"), PUBLIC, "b")


def test_expired_token_is_refused_but_clock_skew_of_minutes_is_tolerated():
    now = time.time()
    with pytest.raises(TokenError):  # expired 301 s ago: past the five minutes a clock may be off
        verify_token(issue_token(KEY, "a", "b", now=now - 120 - 301), PUBLIC, "b", now=now)
    verify_token(issue_token(KEY, "a", "b", now=now - 120 - 290), PUBLIC, "b", now=now)  # a caller 4 min 50 s behind


def test_token_from_a_clock_minutes_ahead_is_tolerated_but_not_beyond_the_bound():
    now = time.time()
    verify_token(issue_token(KEY, "a", "b", now=now + 290), PUBLIC, "b", now=now)
    with pytest.raises(TokenError, match="future"):
        verify_token(issue_token(KEY, "a", "b", now=now + 310), PUBLIC, "b", now=now)


def test_garbage_is_refused():
    with pytest.raises(TokenError):
        unverified_issuer("not.a.token")
    with pytest.raises(TokenError):
        verify_token("not.a.token", PUBLIC, "b")


def test_a_bound_token_is_accepted_only_for_its_method_and_path():
    token = issue_token(KEY, "a", "b", method="get", url="https://b.example/federation/v1/changes?since=4")
    claims = verify_token(token, PUBLIC, "b")
    assert (claims["htm"], claims["htu"]) == ("GET", "https://b.example/federation/v1/changes")
    check_binding(claims, "GET", "/federation/v1/changes")
    with pytest.raises(TokenError, match="another request"):
        check_binding(claims, "POST", "/federation/v1/changes")
    with pytest.raises(TokenError, match="another request"):
        check_binding(claims, "GET", "/federation/v1/envelopes")


def test_an_unbound_token_is_still_accepted_in_protocol_1():
    check_binding(verify_token(issue_token(KEY, "a", "b"), PUBLIC, "b"), "POST", "/federation/v1/notify")


def test_a_token_is_accepted_once_within_its_lifetime():
    seen, claims = SeenTokens(), verify_token(issue_token(KEY, "a", "b"), PUBLIC, "b")
    seen.first_use(claims)
    with pytest.raises(TokenError, match="already used"):
        seen.first_use(claims)
    seen.first_use(verify_token(issue_token(KEY, "a", "b"), PUBLIC, "b"))  # a fresh token is fine
