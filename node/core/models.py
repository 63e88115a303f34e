"""The node's data model: items and their filter terms, accounts, tokens, login sessions and records, feeds."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from node.core.states import Transitions
from node.core.timestamps import UTCDateTime, utcnow

# Explicit constraint names, so migrations name them the same on SQLite and PostgreSQL
# and SQLite batch migrations can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class ItemStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"  # a bulletin handed to a second person
    PUBLISHED = "published"
    RETRACTED = "retracted"
    EXPIRED = "expired"


# The moves node.items.publishing makes. A published item stays published when it gets a new version;
# retracted and expired are final, because an id is never published again.
ITEM_TRANSITIONS = Transitions(ItemStatus, "status", {
    ItemStatus.DRAFT: (ItemStatus.AWAITING_APPROVAL, ItemStatus.PUBLISHED),
    ItemStatus.AWAITING_APPROVAL: (ItemStatus.DRAFT, ItemStatus.PUBLISHED),
    ItemStatus.PUBLISHED: (ItemStatus.PUBLISHED, ItemStatus.RETRACTED, ItemStatus.EXPIRED),
    ItemStatus.RETRACTED: (),
    ItemStatus.EXPIRED: (),
})


class Approval(StrEnum):
    """How a bulletin was approved before it left the node (four-eyes rule)."""

    SECOND_PERSON = "second_person"  # a publisher who changed none of the approved version's content
    ADMIN_IMPORT = "admin_import"  # the node's administrator, through `vidensnet import` on the machine


class Role(StrEnum):
    READER = "reader"
    EDITOR = "editor"
    PUBLISHER = "publisher"
    ADMIN = "admin"


class Item(Base):
    """One item as this node holds it now; `version` counts its published changes."""

    __tablename__ = "items"
    # Each list's filters then its order (node.items.queries), so a page is one index walk, not a sort of all
    # visible items: the lists of all types, the lists of one type, the front page's newest of each type; each
    # once for logged-in users and once for anonymous visitors, who would otherwise walk past every restricted one.
    __table_args__ = (ITEM_TRANSITIONS.check_constraint(),
                      Index("ix_items_status_updated_at", "status", "updated_at", "id"),
                      Index("ix_items_status_audience_kind_updated_at", "status", "audience_kind", "updated_at", "id"),
                      Index("ix_items_type_status_updated_at", "type", "status", "updated_at", "id"),
                      Index("ix_items_type_status_audience_kind_updated_at", "type", "status", "audience_kind",
                            "updated_at", "id"),
                      Index("ix_items_type_status_published_at", "type", "status", "published_at", "id"),
                      Index("ix_items_type_status_audience_kind_published_at", "type", "status", "audience_kind",
                            "published_at", "id"))

    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    type: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Any] = mapped_column(JSON)
    # "public", "network", "districts" or "nodes": lets SQL filter on who may see it.
    audience_kind: Mapped[str] = mapped_column(String(16), index=True)
    tags: Mapped[list[str]]
    municipalities: Mapped[list[str]]
    police_districts: Mapped[list[str]]
    prevention_level: Mapped[str | None] = mapped_column(String(32), index=True)
    target_groups: Mapped[list[str]]
    cooperation: Mapped[list[str]]
    details: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    # SHA-256 of the canonical content: an unchanged import line is recognised by it.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[datetime | None]
    retracted_at: Mapped[datetime | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Bulletins only: who approved the current version, when, and how (see Approval).
    approval: Mapped[str | None] = mapped_column(String(16))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Usernames of everyone who changed the content of the version in preparation, emptied when it is
    # published (the approver of a bulletin must be none of them), and of the authors the approval covers.
    # Usernames, not ids, so the record still names a deleted user.
    content_authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    approved_authors: Mapped[list[str] | None] = mapped_column(JSON)
    # Bulletins only: why, when and by whom a publisher last sent the bulletin back to its author as a draft.
    return_reason: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None]
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    terms: Mapped[list[ItemTerm]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin"
    )
    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])

    @property
    def local_id(self) -> str:
        return self.id.split(":", 1)[1]


class ItemTerm(Base):
    """One value of a list field (municipality, district, tag ...) for portable filtering."""

    __tablename__ = "item_terms"
    __table_args__ = (Index("ix_item_terms_field_value", "field", "value", "item_id"),)  # a filter's matches

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)

    item: Mapped[Item] = relationship(back_populates="terms")


class UserState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"  # may not log in; its sessions are ended and its API tokens refused while it lasts


# The moves node.accounts.lifecycle makes: an administrator disables an account and may enable it again.
USER_TRANSITIONS = Transitions(UserState, "state", {
    UserState.ACTIVE: (UserState.DISABLED,),
    UserState.DISABLED: (UserState.ACTIVE,),
})


class User(UserMixin, Base):
    """A local account; its role decides what it may do, its state whether it may do anything."""

    __tablename__ = "users"
    __table_args__ = (USER_TRANSITIONS.check_constraint(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=UserState.ACTIVE, server_default=UserState.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    identities: Mapped[list[ExternalIdentity]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        """Flask-Login's question: may this account be logged in (never while disabled)."""
        return self.state == UserState.ACTIVE


class IdentityProtocol(StrEnum):
    OIDC = "oidc"  # issuer = the provider's issuer URL, subject = the ID token's `sub`
    SAML = "saml"  # issuer = the IdP's entity id, subject = the persistent NameID


class ExternalIdentity(Base):
    """An account's link to its organisation's identity: (protocol, issuer, subject), never a bare username."""

    __tablename__ = "external_identities"
    __table_args__ = (CheckConstraint("protocol IN ('oidc', 'saml')", name="protocol"),
                      UniqueConstraint("protocol", "issuer", "subject", name="uq_external_identity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(8))
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(500))
    provider_name: Mapped[str] = mapped_column(String(120))  # the button text it came through, for the admin page
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="identities", lazy="joined")


class TokenState(StrEnum):
    ACTIVE = "active"  # usable until expires_at (tokens from before expiry was introduced have none)
    REVOKED = "revoked"


# The move node.accounts.lifecycle makes; a revoked token is never used again.
TOKEN_TRANSITIONS = Transitions(TokenState, "state", {
    TokenState.ACTIVE: (TokenState.REVOKED,),
    TokenState.REVOKED: (),
})


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (TOKEN_TRANSITIONS.check_constraint(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=TokenState.ACTIVE, server_default=TokenState.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined")


class LoginSessionState(StrEnum):
    OPEN = "open"  # valid while neither idle nor older than the absolute lifetime (computed, not stored)
    ENDED = "ended"  # logged out, ended on all devices, or ended by a password change or a disabled account


# The move node.accounts.sessions makes; an ended session is never reopened (a login makes a new one).
LOGIN_SESSION_TRANSITIONS = Transitions(LoginSessionState, "state", {
    LoginSessionState.OPEN: (LoginSessionState.ENDED,),
    LoginSessionState.ENDED: (),
})


class LoginSession(Base):
    """One login in one browser: the signed session cookie carries its random key, the database its SHA-256."""

    __tablename__ = "login_sessions"
    __table_args__ = (LOGIN_SESSION_TRANSITIONS.check_constraint(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))
    # "Firefox på Linux": what the user is shown under "dine sessioner", never the whole User-Agent.
    device: Mapped[str] = mapped_column(String(120))
    source_address: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")


class LoginOutcome(StrEnum):
    """How one login attempt ended (a record, not a state: it never changes)."""

    SUCCEEDED = "succeeded"
    WRONG_PASSWORD = "wrong_password"  # also an unknown username: the record must not tell them apart
    LOCKED = "locked"  # too many recent failures for this username
    DISABLED = "disabled"  # the right password for a disabled account
    THROTTLED = "throttled"  # too many attempts from this source address


class LoginAttempt(Base):
    """A login attempt as it was made: the username as typed, the account if one has it, address and outcome."""

    __tablename__ = "login_attempts"
    __table_args__ = (CheckConstraint("outcome IN ({})".format(", ".join(f"'{o.value}'" for o in LoginOutcome)),
                                      name="outcome"),
                      Index("ix_login_attempts_username_at", "username", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source_address: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))


class SubscriptionState(StrEnum):
    QUEUED = "queued"  # waiting for the scheduler to fetch it: new, or an admin asked for "Opdatér nu"
    FETCHING = "fetching"  # being fetched; next_check_at is the lease after which a crashed fetch is retried
    ACTIVE = "active"  # the last fetch worked; refreshed every VIDENSNET_FEED_REFRESH_SECONDS
    BACKING_OFF = "backing_off"  # the last fetch failed; retried at next_check_at, later after each failure


# The moves node.subscriptions.service makes: a fetch starts from any resting state (or from a fetch whose
# lease ran out: the process died) and ends active or backing off; "Opdatér nu" queues a resting subscription.
SUBSCRIPTION_TRANSITIONS = Transitions(SubscriptionState, "state", {
    SubscriptionState.QUEUED: (SubscriptionState.FETCHING,),
    SubscriptionState.FETCHING: (SubscriptionState.FETCHING, SubscriptionState.ACTIVE, SubscriptionState.BACKING_OFF),
    SubscriptionState.ACTIVE: (SubscriptionState.QUEUED, SubscriptionState.FETCHING),
    SubscriptionState.BACKING_OFF: (SubscriptionState.QUEUED, SubscriptionState.FETCHING),
})


class FeedSubscription(Base):
    """An external Atom/RSS feed whose entries this node publishes as guidance attributed to the source."""

    __tablename__ = "feed_subscriptions"
    __table_args__ = (SUBSCRIPTION_TRANSITIONS.check_constraint(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    # The feed's own title, taken on every changed fetch; the source the items are attributed to.
    title: Mapped[str | None] = mapped_column(String(200))
    # Validators from the last 200 answer, sent back so an unchanged feed costs a 304.
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_checked_at: Mapped[datetime | None]
    last_changed_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # From the last changed fetch: entries seen, and the refused ones by position with field and kind only.
    entries_seen: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Entries of the last changed fetch left unread because of VIDENSNET_FEED_MAX_ENTRIES.
    entries_over_limit: Mapped[int] = mapped_column(Integer, default=0)
    # The administrator's choice: new entries and changes wait in held_feed_entries for a publisher's review.
    hold_for_review: Mapped[bool] = mapped_column(Boolean, default=True)


class HeldEntryState(StrEnum):
    HELD = "held"  # waiting for a publisher's "Udgiv" or "Afvis"
    REJECTED = "rejected"  # a publisher refused this content; the same content is not offered again


# A held entry is published (and its row deleted) or rejected; a rejected one is held again only when the
# feed brings different content for it; a newer change replaces a held one.
HELD_ENTRY_TRANSITIONS = Transitions(HeldEntryState, "state", {
    HeldEntryState.HELD: (HeldEntryState.HELD, HeldEntryState.REJECTED),
    HeldEntryState.REJECTED: (HeldEntryState.HELD,),
})


class HeldFeedEntry(Base):
    """A feed entry (new, or a change of a published item) kept off the items table until a publisher reviews it."""

    __tablename__ = "held_feed_entries"
    __table_args__ = (HELD_ENTRY_TRANSITIONS.check_constraint(),)

    item_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("feed_subscriptions.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    # The entry as item JSON (what validate_item accepted), and the hash of its content.
    data: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    held_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    # Username, not id, so the record still names a deleted user.
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
