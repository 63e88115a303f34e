"""Short-lived JWTs (joserfc, JOSE algorithm "Ed25519" of RFC 9864) that authenticate one node's requests to another."""

from __future__ import annotations

import json
import secrets
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from federation.identity import b64url_decode, public_key_from_text

ALGORITHMS = ["Ed25519"]
LIFETIME_SECONDS = 120
CLOCK_SKEW_SECONDS = 30


class TokenError(ValueError):
    """A request token that cannot be trusted; the message says why."""


def issue_token(key: Ed25519PrivateKey, issuer: str, audience: str, now: float | None = None) -> str:
    """A token saying `issuer` calls `audience`, valid for two minutes."""
    now = int(now if now is not None else time.time())
    claims = {"iss": issuer, "aud": audience, "iat": now, "exp": now + LIFETIME_SECONDS,
              "jti": secrets.token_urlsafe(12)}
    return jwt.encode({"alg": "Ed25519"}, claims, OKPKey.import_key(key), algorithms=ALGORITHMS)


def unverified_issuer(token: str) -> str:
    """The `iss` claim before verification, used only to look up the key that must verify it."""
    try:
        issuer = json.loads(b64url_decode(token.split(".")[1])).get("iss")
    except (ValueError, IndexError, AttributeError):
        issuer = None
    if not isinstance(issuer, str):
        raise TokenError("token names no issuer")
    return issuer


def verify_token(token: str, public_key: str, audience: str, now: float | None = None) -> dict:
    """The claims of a token signed by `public_key` for `audience`, checked for expiry with a small skew."""
    try:
        key = OKPKey.import_key(public_key_from_text(public_key))
        claims = jwt.decode(token, key, algorithms=ALGORITHMS).claims
        jwt.JWTClaimsRegistry(
            now=int(now if now is not None else time.time()), leeway=CLOCK_SKEW_SECONDS,
            aud={"essential": True, "value": audience}, exp={"essential": True}, iss={"essential": True},
            iat={"essential": True},
        ).validate(claims)
    except (JoseError, ValueError) as exc:
        raise TokenError(f"invalid token: {exc}") from None
    if claims["exp"] - claims["iat"] > LIFETIME_SECONDS + CLOCK_SKEW_SECONDS:
        raise TokenError("token lives too long")
    return claims
