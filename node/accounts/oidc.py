"""Login through the organisation's OpenID Connect provider: authorization code flow with PKCE, state and nonce.

`OidcProvider` is one organisation's provider as this node knows it: its discovery document and signing keys,
fetched with a timeout and cached (the keys fetched again once when a token names a key not seen before: the
provider has rolled its keys over). `begin_login` makes the authorization request; `finish_login` checks the
provider's answer, exchanges the code (authlib), verifies the ID token (joserfc), reads the claims (from the
userinfo endpoint when the ID token lacks them) and hands `sign_in` an `OrganisationIdentity`. Every failure is
an `OidcRefused`. Only the network here, never the database: the view calls these before it opens a transaction.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import Key, import_key

from node.accounts.organisation_login import LoginRefused, OrganisationIdentity, claim_values
from node.core.config import OrganisationLogin
from node.core.models import IdentityProtocol
from node.core.translation import N_

HTTP_SECONDS = 10  # one call to the provider (discovery, keys, token, userinfo)
DISCOVERY_SECONDS = 3600  # a fetched discovery document is used this long before it is fetched again
LEEWAY_SECONDS = 60  # clock difference allowed between this node and the provider
PENDING_SECONDS = 900  # how long a started login may stay at the provider (typing a password, a second factor)
SCOPE = "openid profile email"
ID_TOKEN_HINT_MAX_CHARS = 2000  # the longest ID token kept in the session cookie for the logout's id_token_hint
# Asymmetric signatures only: an unsigned token ('none') or one signed with the client secret (HS*) is refused.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "Ed25519",
                      "EdDSA")

# What the person reads (marked here, translated on the login page).
UNREACHABLE = N_("Din organisations login svarer ikke lige nu, så du kan ikke logge ind med det. Prøv igen om lidt; "
                 "kontakt nodens administrator, hvis det bliver ved.")
NOT_TRUSTED = N_("Svaret fra din organisations login kunne ikke godkendes, så du er ikke logget ind. Prøv at logge "
                 "ind igen; kontakt nodens administrator, hvis det bliver ved.")
STALE = N_("Svaret fra din organisations login passer ikke til et login, der er startet i denne browser, eller det "
           "er for gammelt. Start forfra med knappen herunder.")
DENIED = N_("Din organisations login gav ikke adgang, eller du afbrød det. Prøv igen med knappen herunder. "
            "Kontakt din organisations it-afdeling eller nodens administrator, hvis du skal have adgang.")


class OidcRefused(LoginRefused):
    """A refused OpenID Connect login, with the HTTP status its page is answered with."""

    def __init__(self, reason: str, message: str, status: int = 401):
        super().__init__(reason, message)
        self.status = status


@dataclass(frozen=True)
class ProviderMetadata:
    """What this node uses of the provider's discovery document."""

    issuer: str  # exactly as the provider writes it, for comparing with the ID token's `iss`
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""  # RP-initiated logout, when the provider offers it
    sends_iss: bool = False  # authorization_response_iss_parameter_supported (RFC 9207)
    token_auth_method: str = "client_secret_basic"

    @classmethod
    def from_discovery(cls, document: object, configured_issuer: str) -> ProviderMetadata:
        """Read a discovery document, which must be for the configured issuer (OpenID Connect Discovery 4.3)."""
        if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != configured_issuer:
            raise OidcRefused("the discovery document is for another issuer", UNREACHABLE, 502)
        required = ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not all(isinstance(document.get(name), str) and document[name] for name in required):
            raise OidcRefused("the discovery document lacks an endpoint", UNREACHABLE, 502)
        methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        return cls(issuer=document["issuer"], authorization_endpoint=document["authorization_endpoint"],
                   token_endpoint=document["token_endpoint"], jwks_uri=document["jwks_uri"],
                   userinfo_endpoint=str(document.get("userinfo_endpoint") or ""),
                   end_session_endpoint=str(document.get("end_session_endpoint") or ""),
                   sends_iss=document.get("authorization_response_iss_parameter_supported") is True,
                   token_auth_method="client_secret_basic" if "client_secret_basic" in methods
                   else "client_secret_post")


class OidcProvider:
    """One organisation's OpenID provider: its discovery document and signing keys, fetched once and cached.

    Shared by the node's request threads, so the cache is behind a lock (never held over the network).
    """

    def __init__(self, login: OrganisationLogin):
        self.login = login
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: list[Key] | None = None

    def metadata(self) -> ProviderMetadata:
        """The provider's discovery document, fetched again when it is an hour old."""
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_SECONDS:
                return self._metadata
        document = fetch_json(self.login.oidc_issuer + "/.well-known/openid-configuration", "discovery")
        metadata = ProviderMetadata.from_discovery(document, self.login.oidc_issuer)
        with self._lock:
            self._metadata, self._metadata_at = metadata, time.monotonic()
        return metadata

    def signing_key(self, kid: str | None) -> Key:
        """The provider's key with this id; an unknown id fetches the keys again once (key rollover)."""
        with self._lock:
            cached = self._keys
        key = _pick_key(cached, kid) if cached is not None else None
        if key is None:
            fetched = _signing_keys(fetch_json(self.metadata().jwks_uri, "JWKS"))
            with self._lock:
                self._keys = fetched
            key = _pick_key(fetched, kid)
        if key is None:
            raise OidcRefused(f"the ID token is signed with a key the provider does not publish "
                              f"(kid {str(kid)[:40]!r})", NOT_TRUSTED)
        return key


def fetch_json(url: str, what: str) -> object:
    """GET a JSON document from the provider, within HTTP_SECONDS; a failure refuses the login."""
    try:
        response = requests.get(url, timeout=HTTP_SECONDS, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcRefused(f"the provider's {what} could not be fetched: {type(exc).__name__}", UNREACHABLE,
                          502) from exc


def _signing_keys(jwks: object) -> list[Key]:
    # Keys the node cannot use (encryption keys, unknown types) are skipped, not fatal: the provider may
    # publish more than the node needs.
    found = jwks.get("keys") if isinstance(jwks, dict) else None
    keys = []
    for entry in found if isinstance(found, list) else []:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            keys.append(import_key(entry))
        except (JoseError, ValueError, TypeError):
            continue
    return keys


def _pick_key(keys: list[Key], kid: str | None) -> Key | None:
    if kid is None:  # a provider with a single key may leave `kid` out
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.kid == kid), None)


@dataclass(frozen=True)
class PendingLogin:
    """A started login, kept in the browser's signed session cookie until the provider sends the user back."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str
    started: float  # epoch seconds

    def as_dict(self) -> dict:
        """For the session cookie."""
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: object) -> PendingLogin | None:
        """Back from the session cookie; None when there is none (or it is not one)."""
        try:
            return cls(**stored) if isinstance(stored, dict) else None
        except TypeError:
            return None


@dataclass(frozen=True)
class ExpectedToken:
    """What the ID token must say: who issued it, for whom, and the nonce of this login."""

    issuer: str
    client_id: str
    nonce: str


def _client(provider: OidcProvider, metadata: ProviderMetadata, redirect_uri: str) -> OAuth2Session:
    login = provider.login
    return OAuth2Session(login.oidc_client_id, login.oidc_client_secret, scope=SCOPE, redirect_uri=redirect_uri,
                         token_endpoint_auth_method=metadata.token_auth_method, code_challenge_method="S256",
                         default_timeout=HTTP_SECONDS)


def begin_login(provider: OidcProvider, redirect_uri: str, next_path: str | None) -> tuple[str, PendingLogin]:
    """The provider's authorization URL to send the browser to, and the login to remember until it returns."""
    metadata = provider.metadata()
    pending = PendingLogin(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                           code_verifier=secrets.token_urlsafe(64), next_path=next_path or "", started=time.time())
    url, _ = _client(provider, metadata, redirect_uri).create_authorization_url(
        metadata.authorization_endpoint, state=pending.state, code_verifier=pending.code_verifier,
        nonce=pending.nonce)
    return url, pending


def finish_login(provider: OidcProvider, pending: PendingLogin | None, answer: Mapping[str, str],
                 redirect_uri: str) -> tuple[OrganisationIdentity, str]:
    """Check the provider's answer, redeem its code and verify the ID token; the identity and the ID token."""
    metadata = provider.metadata()
    pending = check_answer(pending, answer, metadata, time.time())
    id_token, access_token = _redeem(provider, metadata, answer["code"], pending, redirect_uri)
    claims = verify_id_token(id_token, provider.signing_key,
                             ExpectedToken(metadata.issuer, provider.login.oidc_client_id, pending.nonce), time.time())
    claims = complete_claims(claims, metadata, access_token, provider.login.oidc_role_claim)
    return identity_from_claims(claims, metadata.issuer, provider.login), id_token


def check_answer(pending: PendingLogin | None, answer: Mapping[str, str], metadata: ProviderMetadata,
                 now: float) -> PendingLogin:
    """The authorization response must answer the login this browser started, from this issuer, with a code."""
    if pending is None:
        raise OidcRefused("no login was started in this browser session (no state in the session)", STALE, 400)
    if now - pending.started > PENDING_SECONDS:
        raise OidcRefused("the login was started too long ago", STALE, 400)
    if not hmac.compare_digest(answer.get("state", "").encode(), pending.state.encode()):
        raise OidcRefused("the state does not match the login started in this browser", STALE, 400)
    iss = answer.get("iss")
    if (iss is None and metadata.sends_iss) or (iss is not None and iss != metadata.issuer):
        raise OidcRefused(f"the authorization response's iss is {iss!r}, not the issuer (RFC 9207)", NOT_TRUSTED)
    if "error" in answer:
        error = "".join(c for c in answer["error"][:40] if c.isalnum() or c == "_")
        raise OidcRefused(f"the provider answered error={error}", DENIED if error == "access_denied" else NOT_TRUSTED,
                          403 if error == "access_denied" else 401)
    if not answer.get("code"):
        raise OidcRefused("the authorization response has no code", NOT_TRUSTED)
    return pending


def _redeem(provider: OidcProvider, metadata: ProviderMetadata, code: str, pending: PendingLogin,
            redirect_uri: str) -> tuple[str, str]:
    try:
        token = _client(provider, metadata, redirect_uri).fetch_token(
            metadata.token_endpoint, grant_type="authorization_code", code=code,
            code_verifier=pending.code_verifier)
    except OAuthError as exc:
        raise OidcRefused(f"the token endpoint refused the code: {exc.error}", NOT_TRUSTED) from exc
    except (requests.RequestException, ValueError) as exc:
        raise OidcRefused(f"the token endpoint could not be reached: {type(exc).__name__}", UNREACHABLE,
                          502) from exc
    if not isinstance(token.get("id_token"), str):
        raise OidcRefused("the token response has no ID token", NOT_TRUSTED)
    return token["id_token"], str(token.get("access_token") or "")


def verify_id_token(id_token: str, signing_key: Callable[[str | None], Key], expected: ExpectedToken,
                    now: float) -> dict:
    """The ID token's claims, once its signature, issuer, audience, times and nonce are right."""
    try:
        header = jws.extract_compact(id_token.encode()).headers()
    except (JoseError, ValueError) as exc:
        raise OidcRefused("the ID token is not a signed JWT", NOT_TRUSTED) from exc
    if header.get("alg") not in SIGNING_ALGORITHMS:
        raise OidcRefused(f"the ID token is signed with {header.get('alg')!r}, not an allowed algorithm", NOT_TRUSTED)
    try:
        claims = jwt.decode(id_token, signing_key(header.get("kid")), algorithms=[header["alg"]]).claims
    except BadSignatureError as exc:
        raise OidcRefused("the ID token's signature does not verify", NOT_TRUSTED) from exc
    except (JoseError, ValueError) as exc:
        raise OidcRefused(f"the ID token cannot be read: {type(exc).__name__}", NOT_TRUSTED) from exc
    check_claims(claims, expected, now)
    return claims


def check_claims(claims: dict, expected: ExpectedToken, now: float) -> None:
    """OpenID Connect Core 3.1.3.7: the issuer, audience, authorized party, expiry, issue time, nonce and subject."""
    problem = _claims_problem(claims, expected, now)
    if problem:
        raise OidcRefused(f"ID token refused: {problem}", NOT_TRUSTED)


def _claims_problem(claims: dict, expected: ExpectedToken, now: float) -> str | None:
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if claims.get("iss") != expected.issuer:
        return "the issuer is not the provider's"
    if expected.client_id not in audiences:
        return "the audience is not this node's client"
    if len(audiences) > 1 and "azp" not in claims:
        return "several audiences and no azp naming this node"
    if "azp" in claims and claims["azp"] != expected.client_id:
        return "the azp is another client"
    if not _number(claims.get("exp")) or now > claims["exp"] + LEEWAY_SECONDS:
        return "the token has expired"
    if not _number(claims.get("iat")) or claims["iat"] > now + LEEWAY_SECONDS:
        return "the token is issued in the future"
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), expected.nonce.encode()):
        return "the nonce is not this login's"
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        return "the token has no subject"
    return None


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def complete_claims(claims: dict, metadata: ProviderMetadata, access_token: str, role_claim: str) -> dict:
    """The ID token's claims, with what they lack (roles, name, e-mail) from the provider's userinfo endpoint.

    Many providers put only `sub` in a code-flow ID token (oidc-provider does). Without the role values the
    login cannot go on, so a userinfo failure refuses it then; missing only a name or an e-mail, it goes on.
    """
    need_roles = _claim(claims, role_claim) is None
    if (not need_roles and "name" in claims and "email" in claims) or not metadata.userinfo_endpoint \
            or not access_token:
        return claims
    try:
        userinfo = _userinfo(metadata.userinfo_endpoint, access_token)
    except OidcRefused:
        if need_roles:
            raise
        return claims
    if userinfo.get("sub") != claims["sub"]:
        raise OidcRefused("the userinfo answer is for another subject", NOT_TRUSTED)
    # The ID token's own claims win; userinfo only fills in what it lacks.
    return {**userinfo, **claims}


def _userinfo(endpoint: str, access_token: str) -> dict:
    try:
        response = requests.get(endpoint, timeout=HTTP_SECONDS,
                                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        response.raise_for_status()
        userinfo = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcRefused(f"the userinfo endpoint could not be read: {type(exc).__name__}", UNREACHABLE,
                          502) from exc
    if not isinstance(userinfo, dict):
        raise OidcRefused("the userinfo answer is not a JSON object", NOT_TRUSTED)
    return userinfo


def _claim(claims: dict, name: str) -> object:
    # A dotted name reads a nested claim, e.g. Keycloak's `realm_access.roles`.
    value: object = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def identity_from_claims(claims: dict, issuer: str, login: OrganisationLogin) -> OrganisationIdentity:
    """The verified claims as the organisation login's identity: linked to (issuer, sub)."""
    return OrganisationIdentity(
        protocol=IdentityProtocol.OIDC, issuer=issuer, subject=claims["sub"], provider_name=login.oidc_name,
        display_name=str(claims.get("name") or ""), email=str(claims.get("email") or ""),
        username_hint=str(claims.get("preferred_username") or claims.get("email") or ""),
        role_values=claim_values(_claim(claims, login.oidc_role_claim)))


def logout_url(metadata: ProviderMetadata, id_token: str, client_id: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to log out at the provider too (RP-initiated logout); None if it offers none.

    The URL is kept in the session cookie until logout; an ID token too large for a cookie (browsers drop
    cookies over 4 kB, which would lose the login itself) is left out, and `client_id` names the node instead.
    """
    if not metadata.end_session_endpoint:
        return None
    hint = {"id_token_hint": id_token} if len(id_token) <= ID_TOKEN_HINT_MAX_CHARS else {}
    return add_params_to_uri(metadata.end_session_endpoint, {
        **hint, "client_id": client_id, "post_logout_redirect_uri": post_logout_redirect_uri})
