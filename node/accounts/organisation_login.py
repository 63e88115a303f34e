"""Logins through the organisation's identity provider (OpenID Connect or SAML 2.0): one rule for both.

The protocol rooms (`oidc`, `saml`) verify what the provider sent and hand over an `OrganisationIdentity`;
`sign_in` maps its role values through VIDENSNET_ROLE_MAP, finds or creates the account linked to
(protocol, issuer, subject) — never to a username, so nobody takes over a local account by choosing its
name at the provider — and re-reads the role at every login. Nothing here commits (docs/login.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.accounts.users import ROLE_LABELS, ROLE_RANK
from node.audit.log import THE_NODE, record_admin_act
from node.audit.models import AuditAct
from node.core.ids import slugify
from node.core.models import ExternalIdentity, User, UserState, utcnow
from node.core.translation import N_
from node.core.translation import gettext as _

# No password matches this hash (werkzeug cannot parse it), so an organisation's user never logs in locally.
NO_LOCAL_PASSWORD = "!organisation-login"
# The refusals a person reads, each one whole message (marked here, translated on the login page).
NO_ROLE = N_("Din organisation har ikke givet dig en rolle i Vidensnet, så du kan ikke logge ind. Kontakt din "
             "organisations it-afdeling eller nodens administrator, hvis du skal have adgang.")
DISABLED = N_("Din konto på denne node er deaktiveret. Kontakt din organisations it-afdeling eller nodens "
              "administrator, hvis du skal have adgang.")


class LoginRefused(Exception):
    """A refused organisation login: `reason` for the node's log (English), `message` for the person.

    The message is a Danish text marked with N_; the login page translates it.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(reason)
        self.reason, self.message = reason, message


@dataclass(frozen=True)
class OrganisationIdentity:
    """Who the provider says logged in, after the protocol room verified it."""

    protocol: str  # IdentityProtocol
    issuer: str  # OIDC issuer URL or SAML IdP entity id
    subject: str  # OIDC `sub` or SAML persistent NameID
    provider_name: str  # the login button's text, for the admin page
    display_name: str = ""
    email: str = ""
    username_hint: str = ""  # preferred_username or similar: only a suggestion for a new account's username
    role_values: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class RoleMap:
    """VIDENSNET_ROLE_MAP: claim or attribute values to the node's roles; `*` for everyone else."""

    roles: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> RoleMap:
        """Read `value=role,...` (config.py checked the syntax and role names at start)."""
        pairs = (entry.rsplit("=", 1) for entry in text.split(",") if entry.strip())
        return cls({value.strip(): role.strip() for value, role in pairs})

    def role_for(self, values: Iterable[str]) -> str | None:
        """The highest role any of the values maps to; else the `*` role; else None (no access)."""
        mapped = [self.roles[v] for v in values if v in self.roles and v != "*"]
        if mapped:
            return max(mapped, key=lambda role: ROLE_RANK[role])
        return self.roles.get("*")


def claim_values(raw: object) -> tuple[str, ...]:
    """Role values as providers send them: a list, or one space- or comma-separated string."""
    if isinstance(raw, str):
        return tuple(v for v in raw.replace(",", " ").split() if v)
    if isinstance(raw, (list, tuple)):
        return tuple(str(v).strip() for v in raw if str(v).strip())
    return ()


def sign_in(session: Session, identity: OrganisationIdentity, role_map: RoleMap) -> User:
    """The account for this identity, created at its first login, with the role its values map to now."""
    role = role_map.role_for(identity.role_values)
    if role is None:
        raise LoginRefused("no role mapped from the provider's values", NO_ROLE)
    link = session.scalar(select(ExternalIdentity).where(ExternalIdentity.protocol == identity.protocol,
                                                          ExternalIdentity.issuer == identity.issuer,
                                                          ExternalIdentity.subject == identity.subject))
    if link is None:
        link = _first_login(session, identity, role)
    elif link.user.state != UserState.ACTIVE:
        raise LoginRefused("the account is disabled", DISABLED)
    user = link.user
    if user.role != role:
        record_admin_act(session, THE_NODE, AuditAct.USER_ROLE_CHANGED, user.username,
                         description=f"{user.username}: rollen {ROLE_LABELS[user.role]} er ændret til "
                                     f"{ROLE_LABELS[role]} ved login via {identity.provider_name}")
        user.role = role
    user.display_name = (identity.display_name or user.display_name)[:120]
    link.email, link.last_login_at = identity.email or link.email, utcnow()
    return user


def _first_login(session: Session, identity: OrganisationIdentity, role: str) -> ExternalIdentity:
    user = User(username=_free_username(session, identity), password_hash=NO_LOCAL_PASSWORD, role=role,
                display_name=(identity.display_name or identity.username_hint or "Ny bruger")[:120])
    link = ExternalIdentity(user=user, protocol=identity.protocol, issuer=identity.issuer, subject=identity.subject,
                            provider_name=identity.provider_name[:120], email=identity.email or None)
    session.add_all([user, link])
    session.flush()
    record_admin_act(session, THE_NODE, AuditAct.USER_CREATED, user.username,
                     description=f"Brugeren {user.username} er oprettet som {ROLE_LABELS[role]} ved første login "
                                 f"via {identity.provider_name}")
    return link


def _free_username(session: Session, identity: OrganisationIdentity) -> str:
    # Only a readable name for lists and the audit log: the link is (protocol, issuer, subject), so a taken
    # name gets a suffix instead of ever meaning the account that has it.
    hint = identity.username_hint or identity.email.split("@")[0] or identity.display_name
    base = slugify(hint)[:50].strip("-") or "bruger"
    base = base if len(base) >= 2 else f"bruger-{base}"
    candidate = base
    while session.scalar(select(User.id).where(User.username == candidate)) is not None:
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


def login_method_parts(user: User) -> list[tuple[str, str | None]]:
    """How the account logs in, for the admin page: (protocol, provider's name), or (local password, None)."""
    methods: list[tuple[str, str | None]] = [
        ("OpenID Connect" if i.protocol == "oidc" else "SAML", i.provider_name) for i in user.identities]
    if user.password_hash != NO_LOCAL_PASSWORD:
        methods.append((_("Lokal adgangskode"), None))
    return methods


def login_methods(user: User) -> list[str]:
    """How the account logs in, in the interface's words: "OpenID Connect: Aarhus Kommune", "Lokal adgangskode"."""
    return [f"{method}: {provider}" if provider else method for method, provider in login_method_parts(user)]
