"""Recording into the audit log: accesses to restricted items in their own short transaction, admin acts in the act's.

An access is recorded before the restricted content leaves the node (the view records, then renders), so an
access that cannot be recorded does not happen: `AccessNotRecorded` is raised and the caller refuses the
request. An administrative act is added to the session of the act itself, so both are committed or neither.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from node.audit.models import ACT_LABELS, ActorKind, AuditAct, AuditEvent, AuditEventItem
from node.core.models import Item, User, utcnow
from node.core.translation import N_

log = logging.getLogger(__name__)
# A search's words and filters are kept up to this length; longer input is cut, never refused.
QUERY_MAX_CHARS = 500


class AccessNotRecorded(RuntimeError):
    """The database refused the audit record of an access; the access must not go ahead."""


class Concerned(Protocol):
    """What the log copies of an item an act concerned (an Item has these)."""

    id: str
    audience_kind: str
    title: str


@dataclass(frozen=True)
class Actor:
    """Who acted, as the log names them: a user (with the request's source address), or the machine itself."""

    kind: ActorKind
    name: str
    display_name: str
    user_id: int | None = None
    address: str | None = None

    @classmethod
    def of_user(cls, user: User, address: str | None = None) -> Actor:
        """A logged-in user, by the names they have now."""
        return cls(ActorKind.USER, user.username, user.display_name or user.username, user.id, address)

    @classmethod
    def of(cls, user: User | None, address: str | None = None) -> Actor:
        """The user, or, when no user acts (an import or command on the machine), the command line."""
        return COMMAND_LINE if user is None else cls.of_user(user, address)


# Their display names are stored in Danish with each event; the log page translates them (FIXED_ACTOR_NAMES).
COMMAND_LINE = Actor(ActorKind.COMMAND_LINE, "kommandolinje", N_("Kommandolinjen (nodens administrator)"))
THE_NODE = Actor(ActorKind.NODE, "noden", N_("Noden selv"))
ANONYMOUS = Actor(ActorKind.ANONYMOUS, "anonym", N_("Anonym besøgende"))
FIXED_ACTOR_NAMES = frozenset(a.display_name for a in (COMMAND_LINE, THE_NODE, ANONYMOUS))
# Exports are recorded even when nothing restricted went out: they carry drafts, and the log itself.
ALWAYS_RECORDED = (AuditAct.EXPORTED, AuditAct.AUDIT_EXPORTED)


def restricted(items: Iterable[Concerned]) -> list[Concerned]:
    """The items whose audience is not public, each once, in their order."""
    seen: set[str] = set()
    found = []
    for item in items:
        if item.audience_kind != "public" and item.id not in seen:
            seen.add(item.id)
            found.append(item)
    return found


def restricted_by_id(session: Session, item_ids: Iterable[str]) -> list[Concerned]:
    """The restricted items among these ids that the node holds, in the order of the ids."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return []
    rows = session.execute(select(Item.id, Item.audience_kind, Item.title).where(Item.id.in_(ids))).all()
    by_id = {row.id: row for row in rows}
    return restricted(by_id[i] for i in ids if i in by_id)


def all_restricted(session: Session) -> list[Concerned]:
    """Every restricted item the node holds, drafts included (what an export of everything carries)."""
    return list(session.execute(select(Item.id, Item.audience_kind, Item.title)
                                .where(Item.audience_kind != "public").order_by(Item.id)).all())


def record_access(sessions: sessionmaker[Session], actor: Actor, act: AuditAct, items: Iterable[Concerned], *,
                  query: str | None = None, description: str = "") -> AuditEvent | None:
    """Record an access to the restricted ones among `items` in its own transaction; None when all are public.

    Raises AccessNotRecorded when the database refuses the record: the caller must then refuse the access.
    """
    concerned = restricted(items)
    if not concerned and act not in ALWAYS_RECORDED:
        return None
    event = _event(actor, AuditAct(act), concerned, description, query=query)
    try:
        with sessions.begin() as session:
            session.add(event)
    except SQLAlchemyError as exc:
        log.error("audit: %s by %s not recorded (%s); the access is refused", act, actor.name, type(exc).__name__)
        raise AccessNotRecorded(str(act)) from exc
    return event


def record_admin_act(session: Session, actor: Actor, act: AuditAct, subject: str = "", *, description: str = "",
                     items: Iterable[Concerned] = ()) -> AuditEvent:
    """Add an administrative act to the caller's session, so it is committed together with the act itself."""
    event = _event(actor, AuditAct(act), list(items), description, subject=subject)
    session.add(event)
    return event


def _event(actor: Actor, act: AuditAct, items: list[Concerned], description: str, *, subject: str = "",
           query: str | None = None) -> AuditEvent:
    text = description or (f"{ACT_LABELS[act]}: {subject}" if subject else ACT_LABELS[act])
    return AuditEvent(
        at=utcnow(), act=act, actor_kind=actor.kind, actor_user_id=actor.user_id, actor_name=actor.name[:64],
        actor_display_name=actor.display_name[:120], address=(actor.address or None) and actor.address[:64],
        subject=subject[:200], description=text, query=query[:QUERY_MAX_CHARS] if query else None,
        item_count=len(items),
        items=[AuditEventItem(position=n, item_id=i.id, audience_kind=i.audience_kind, title=(i.title or "")[:200])
               for n, i in enumerate(items)],
    )
