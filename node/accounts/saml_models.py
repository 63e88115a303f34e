"""What the SAML service provider must remember between requests: its open login requests and used assertions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.core.models import Base


class SamlPendingRequest(Base):
    """An AuthnRequest sent and not yet answered, keyed by the RelayState the IdP sends back.

    Kept on the server, not in the session cookie: the IdP's cross-site POST to the ACS carries no SameSite=Lax
    cookie, so only the RelayState leads back to the request id that `InResponseTo` must match.
    """

    __tablename__ = "saml_pending_requests"
    __table_args__ = (Index("ix_saml_pending_requests_expires_at", "expires_at"),)

    relay_state: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100))
    next_path: Mapped[str] = mapped_column(String(500))
    expires_at: Mapped[datetime]


class SamlUsedAssertion(Base):
    """An assertion the node accepted: the same id from the same IdP is never accepted again before it expires."""

    __tablename__ = "saml_used_assertions"
    __table_args__ = (UniqueConstraint("issuer", "assertion_id", name="uq_saml_used_assertion"),
                      Index("ix_saml_used_assertions_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    assertion_id: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
