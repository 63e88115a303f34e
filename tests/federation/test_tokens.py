"""Node-to-node JWTs: Ed25519, audience and expiry checked, small clock skew tolerated."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.identity import public_key_text
from federation.tokens import TokenError, issue_token, unverified_issuer, verify_token

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


def test_expired_token_is_refused_but_small_clock_skew_is_tolerated():
    now = time.time()
    with pytest.raises(TokenError):
        verify_token(issue_token(KEY, "a", "b", now=now - 300), PUBLIC, "b", now=now)
    verify_token(issue_token(KEY, "a", "b", now=now - 140), PUBLIC, "b", now=now)  # 20 s past expiry


def test_garbage_is_refused():
    with pytest.raises(TokenError):
        unverified_issuer("not.a.token")
    with pytest.raises(TokenError):
        verify_token("not.a.token", PUBLIC, "b")
