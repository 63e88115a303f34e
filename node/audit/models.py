"""The audit log's tables: one row per act, and one row per restricted item an act concerned."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node.core.models import Base, utcnow
from node.core.translation import N_


class AuditAct(StrEnum):
    """The declared kinds of act the log records; `ACT_LABELS` names each in Danish."""

    # Access to restricted items (any audience but public).
    VIEWED = "viewed"
    LISTED = "listed"
    SEARCHED = "searched"
    EXPORTED = "exported"
    AUDIT_EXPORTED = "audit_exported"
    # Administrative acts.
    PEER_ADDED = "peer_added"
    PEER_APPROVED = "peer_approved"
    PEER_SUSPENDED = "peer_suspended"
    PEER_RESUMED = "peer_resumed"
    PEER_BLOCKED = "peer_blocked"
    PEER_REMOVED = "peer_removed"
    INTRODUCER_SET = "introducer_set"
    INTRODUCER_UNSET = "introducer_unset"
    KEY_ROTATED = "key_rotated"
    KEY_REVOKED = "key_revoked"
    BULLETIN_APPROVED = "bulletin_approved"
    BULLETIN_RETURNED = "bulletin_returned"
    USER_CREATED = "user_created"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    USER_ROLE_CHANGED = "user_role_changed"
    USER_PASSWORD_RESET = "user_password_reset"
    USER_PASSWORD_CHANGED = "user_password_changed"
    USER_SESSIONS_ENDED = "user_sessions_ended"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    FEED_SUBSCRIBED = "feed_subscribed"
    FEED_UNSUBSCRIBED = "feed_unsubscribed"
    FEED_REVIEW_CHANGED = "feed_review_changed"
    FEED_ENTRY_PUBLISHED = "feed_entry_published"
    FEED_ENTRY_REJECTED = "feed_entry_rejected"
    LOGIN_REFUSED = "login_refused"  # an organisation login (OIDC, SAML) the node refused


ACCESS_ACTS = (AuditAct.VIEWED, AuditAct.LISTED, AuditAct.SEARCHED, AuditAct.EXPORTED, AuditAct.AUDIT_EXPORTED)

# The labels are stored in the events' descriptions and written in the CSV in Danish; the log page translates them.
ACT_LABELS = {
    AuditAct.VIEWED: N_("Så et begrænset emne"),
    AuditAct.LISTED: N_("Så en liste med begrænsede emner"),
    AuditAct.SEARCHED: N_("Søgte og fandt begrænsede emner"),
    AuditAct.EXPORTED: N_("Eksporterede emner"),
    AuditAct.AUDIT_EXPORTED: N_("Eksporterede logbogen"),
    AuditAct.PEER_ADDED: N_("Tilføjede en peer"),
    AuditAct.PEER_APPROVED: N_("Godkendte en peer"),
    AuditAct.PEER_SUSPENDED: N_("Satte en peer på pause"),
    AuditAct.PEER_RESUMED: N_("Genoptog en peer"),
    AuditAct.PEER_BLOCKED: N_("Blokerede en peer"),
    AuditAct.PEER_REMOVED: N_("Fjernede en peer"),
    AuditAct.INTRODUCER_SET: N_("Lod en peer anbefale nøgler alene"),
    AuditAct.INTRODUCER_UNSET: N_("Lod en peer holde op med at anbefale nøgler alene"),
    AuditAct.KEY_ROTATED: N_("Skiftede nodens nøgle"),
    AuditAct.KEY_REVOKED: N_("Spærrede en tidligere nøgle"),
    AuditAct.BULLETIN_APPROVED: N_("Godkendte en tendensbulletin"),
    AuditAct.BULLETIN_RETURNED: N_("Sendte en tendensbulletin tilbage som kladde"),
    AuditAct.USER_CREATED: N_("Oprettede en bruger"),
    AuditAct.USER_DISABLED: N_("Deaktiverede en bruger"),
    AuditAct.USER_ENABLED: N_("Genaktiverede en bruger"),
    AuditAct.USER_ROLE_CHANGED: N_("Ændrede en brugers rolle"),
    AuditAct.USER_PASSWORD_RESET: N_("Nulstillede en brugers adgangskode"),
    AuditAct.USER_PASSWORD_CHANGED: N_("Skiftede sin egen adgangskode"),
    AuditAct.USER_SESSIONS_ENDED: N_("Afsluttede en brugers sessioner"),
    AuditAct.TOKEN_CREATED: N_("Oprettede en API-nøgle"),
    AuditAct.TOKEN_REVOKED: N_("Tilbagekaldte en API-nøgle"),
    AuditAct.FEED_SUBSCRIBED: N_("Abonnerede på et eksternt feed"),
    AuditAct.FEED_UNSUBSCRIBED: N_("Afmeldte et eksternt feed"),
    AuditAct.FEED_REVIEW_CHANGED: N_("Ændrede gennemsyn af et eksternt feed"),
    AuditAct.FEED_ENTRY_PUBLISHED: N_("Udgav et indslag fra et eksternt feed efter gennemsyn"),
    AuditAct.FEED_ENTRY_REJECTED: N_("Afviste et indslag fra et eksternt feed"),
    AuditAct.LOGIN_REFUSED: N_("Afviste et login via en organisation"),
}


class ActorKind(StrEnum):
    """Who acted: a logged-in user (web or API), a visitor, the command line on the machine, or the node itself."""

    USER = "user"
    ANONYMOUS = "anonymous"  # a visitor who is not logged in (shown public items only, so rarely recorded)
    COMMAND_LINE = "command_line"
    NODE = "node"


AUDIENCE_LABELS = {"public": N_("Offentlig"), "network": N_("Hele netværket"), "districts": N_("Udvalgte politikredse"),
                   "nodes": N_("Udvalgte noder")}


class AuditEvent(Base):
    """One recorded act: when, by whom (a snapshot of their name), what kind, about what, from where."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_actor_at", "actor_name", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    act: Mapped[str] = mapped_column(String(32), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    # The account, while it exists; the names are copied so the record still names a changed or deleted user.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_display_name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(64))  # the request's source address (web and API)
    subject: Mapped[str] = mapped_column(String(200), default="")  # a peer id, a username, a key
    description: Mapped[str] = mapped_column(Text)
    query: Mapped[str | None] = mapped_column(Text)  # a search's words and filters, as the searcher gave them
    item_count: Mapped[int] = mapped_column(Integer, default=0)

    items: Mapped[list[AuditEventItem]] = relationship(
        back_populates="event", cascade="all, delete-orphan", lazy="selectin", order_by="AuditEventItem.position"
    )


class AuditEventItem(Base):
    """One restricted item an act concerned, with its audience and title as they were then."""

    __tablename__ = "audit_event_items"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: the record outlives the item (an expired replica is deleted, the log keeps it).
    item_id: Mapped[str] = mapped_column(String(160), index=True)
    audience_kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))

    event: Mapped[AuditEvent] = relationship(back_populates="items")
