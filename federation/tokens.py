"""Short-lived JWTs (joserfc, JOSE algorithm "Ed25519" of RFC 9864) that authenticate one node's requests to another."""

from __future__ import annotations

import json
import secrets
import threading
import time
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import OKPKey

from federation.identity import b64url_decode, public_key_from_text

ALGORITHMS = ["Ed25519"]
LIFETIME_SECONDS = 120
# How far apart two nodes' clocks may be (either way) before their tokens are refused: minutes, because a
# municipality's server clock drifts when its NTP breaks; the admin page shows each peer's offset.
CLOCK_SKEW_SECONDS = 300
# Longest lifetime (exp - iat) accepted from a caller; both come from the caller's clock, so skew plays no part.
MAX_LIFETIME_SECONDS = 150


# What a token that does not verify is told, whatever the reason it does not.
UNVERIFIED = "invalid token: its signature does not verify"


class TokenError(ValueError):
    """A request token that cannot be trusted; the message says why."""


def issue_token(key: Ed25519PrivateKey, issuer: str, audience: str, now: float | None = None,
                method: str | None = None, url: str | None = None) -> str:
    """A token saying `issuer` calls `audience`, valid for two minutes; bound to one request when given one.

    `method` and `url` become the `htm` and `htu` claims (the names of RFC 9449): the receiver then
    accepts the token only for that method and path.
    """
    now = int(now if now is not None else time.time())
    claims = {"iss": issuer, "aud": audience, "iat": now, "exp": now + LIFETIME_SECONDS,
              "jti": secrets.token_urlsafe(12)}
    if method and url:
        claims.update(htm=method.upper(), htu=_without_query(url))
    return jwt.encode({"alg": "Ed25519"}, claims, OKPKey.import_key(key), algorithms=ALGORITHMS)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


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
    except BadSignatureError:
        raise TokenError(UNVERIFIED) from None
    except (JoseError, ValueError) as exc:
        raise TokenError(f"invalid token: {exc}") from None
    try:
        jwt.JWTClaimsRegistry(
            now=int(now if now is not None else time.time()), leeway=CLOCK_SKEW_SECONDS,
            aud={"essential": True, "value": audience}, exp={"essential": True}, iss={"essential": True},
            iat={"essential": True},
        ).validate(claims)
    except (JoseError, ValueError) as exc:
        raise TokenError(f"invalid token: {exc}") from None
    if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
        raise TokenError("token lives too long")
    return claims


def check_binding(claims: dict, method: str, path: str) -> None:
    """Refuse a token bound (htm/htu) to another request; protocol 1 still accepts an unbound token.

    Only the path of `htu` is compared: behind a TLS-terminating proxy the receiver does not see the
    scheme and host the caller used.
    """
    if "htm" not in claims and "htu" not in claims:
        return
    if claims.get("htm") != method.upper() or urlsplit(str(claims.get("htu"))).path != path:
        raise TokenError("token was issued for another request")


class SeenTokens:
    """The `jti` of every token accepted within its lifetime, so that none is accepted twice (in this process)."""

    def __init__(self):
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def first_use(self, claims: dict, now: float | None = None) -> None:
        """Record the token; TokenError if it was seen before."""
        now = now if now is not None else time.time()
        if not isinstance(claims.get("jti"), str):
            raise TokenError("token has no jti")
        key = (str(claims.get("iss")), claims["jti"])
        with self._lock:
            if len(self._seen) > 1000:  # forget tokens whose lifetime (and skew) is over
                self._seen = {k: exp for k, exp in self._seen.items() if exp + CLOCK_SKEW_SECONDS > now}
            if key in self._seen:
                raise TokenError("token was already used")
            self._seen[key] = float(claims.get("exp", now))
