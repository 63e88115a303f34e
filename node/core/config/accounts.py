"""How staff log in and how long their logins last: the VIDENSNET_SESSION_*, _LOGIN_*, _OIDC_*, _SAML_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

import limits

from node.core.config.environment import ConfigError, flag_env, int_env


@dataclass(frozen=True)
class AccountRules:
    """How long logins last and how hard guessing passwords is made (docs/accounts.md)."""

    session_idle_minutes: int = 60  # a login session unused this long has ended
    session_max_hours: int = 12  # and one this old, however busy
    login_rate: str = "10/minute"  # failed logins per source address (a limits rate string), then 429
    rate_limit_storage: str = "memory://"  # where the per-address counts live (a limits storage URI)
    lockout_failures: int = 5  # failed logins for one username within lockout_minutes lock it ...
    lockout_minutes: int = 15  # ... until the oldest of them is this old
    login_record_days: int = 365  # how long login records are kept


# The OIO basic privilege attribute: where KOMBIT's Context Handler and NemLog-in put a user's roles.
OIO_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"


@dataclass(frozen=True)
class OrganisationLogin:
    """How staff log in with their organisation's identity (OpenID Connect, SAML 2.0), and whether locally too.

    Read from VIDENSNET_OIDC_*, VIDENSNET_SAML_*, VIDENSNET_ROLE_MAP and VIDENSNET_LOCAL_LOGIN (docs/login.md).
    """

    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = ""  # the button text, e.g. "Aarhus Kommune"
    oidc_role_claim: str = "roles"
    saml_idp_metadata: str = ""  # a file path or an https URL
    saml_name: str = ""
    saml_role_attribute: str = OIO_PRIVILEGES
    saml_entity_id: str = ""  # empty: the SP metadata's own URL
    role_map: str = ""  # value=role,...; "*=reader" gives every other user the reader role
    local_login: bool = True

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def saml_enabled(self) -> bool:
        return bool(self.saml_idp_metadata)


def load_account_rules() -> AccountRules:
    """The VIDENSNET_SESSION_*, VIDENSNET_LOGIN_* and VIDENSNET_RATE_LIMIT_STORAGE variables."""
    defaults = AccountRules()
    rate = os.environ.get("VIDENSNET_LOGIN_RATE") or defaults.login_rate
    try:
        limits.parse_many(rate)
    except ValueError:
        raise ConfigError(f"VIDENSNET_LOGIN_RATE={rate!r}: must be a rate such as '10/minute' or '5 per 10 minutes'"
                          ) from None
    return AccountRules(
        session_idle_minutes=int_env("VIDENSNET_SESSION_IDLE_MINUTES", defaults.session_idle_minutes),
        session_max_hours=int_env("VIDENSNET_SESSION_MAX_HOURS", defaults.session_max_hours),
        login_rate=rate,
        rate_limit_storage=os.environ.get("VIDENSNET_RATE_LIMIT_STORAGE") or defaults.rate_limit_storage,
        lockout_failures=int_env("VIDENSNET_LOGIN_LOCKOUT_FAILURES", defaults.lockout_failures),
        lockout_minutes=int_env("VIDENSNET_LOGIN_LOCKOUT_MINUTES", defaults.lockout_minutes),
        login_record_days=int_env("VIDENSNET_LOGIN_RECORD_DAYS", defaults.login_record_days),
    )


def load_organisation_login() -> OrganisationLogin:
    """The VIDENSNET_OIDC_*, VIDENSNET_SAML_*, VIDENSNET_ROLE_MAP and VIDENSNET_LOCAL_LOGIN variables."""
    env = os.environ.get
    _check_role_map(env("VIDENSNET_ROLE_MAP", ""))
    metadata = env("VIDENSNET_SAML_IDP_METADATA", "").strip()
    if "://" in metadata and not metadata.startswith("https://"):
        # Whoever can change the metadata on its way decides whose signatures the node trusts.
        raise ConfigError("VIDENSNET_SAML_IDP_METADATA: a file path or an https:// URL")
    return OrganisationLogin(
        oidc_issuer=env("VIDENSNET_OIDC_ISSUER", "").rstrip("/"),
        oidc_client_id=env("VIDENSNET_OIDC_CLIENT_ID", ""),
        oidc_client_secret=env("VIDENSNET_OIDC_CLIENT_SECRET", ""),
        oidc_name=env("VIDENSNET_OIDC_NAME", "") or "din organisation",
        oidc_role_claim=env("VIDENSNET_OIDC_ROLE_CLAIM", "") or "roles",
        saml_idp_metadata=metadata,
        saml_name=env("VIDENSNET_SAML_NAME", "") or "din organisation (SAML)",
        saml_role_attribute=env("VIDENSNET_SAML_ROLE_ATTRIBUTE", "") or OIO_PRIVILEGES,
        saml_entity_id=env("VIDENSNET_SAML_ENTITY_ID", ""),
        role_map=env("VIDENSNET_ROLE_MAP", ""),
        local_login=flag_env("VIDENSNET_LOCAL_LOGIN", True),
    )


ROLE_NAMES = ("reader", "editor", "publisher", "admin")


def _check_role_map(text: str) -> None:
    # Checked at start, so a typing error in the map is a refusal to start, not a surprise at someone's login.
    for number, entry in enumerate((e for e in text.split(",") if e.strip()), start=1):
        value, _, role = entry.rpartition("=")
        if not value.strip() or role.strip() not in ROLE_NAMES:
            raise ConfigError(f"VIDENSNET_ROLE_MAP entry {number}: must be value=role with role one of "
                              f"{', '.join(ROLE_NAMES)}")


