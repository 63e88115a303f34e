"""Reading the audit log: filters from the admin page's form, pages newest first, and pruning by retention."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from math import ceil

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import Session

from node.audit.models import AuditAct, AuditEvent, AuditEventItem
from node.core.models import Item
from node.core.translation import N_
from node.core.translation import gettext as _

# An item's address on a node ends in /items/<id>; the filter takes either the address or the id.
_ITEM_ADDRESS = re.compile(r"/items/([^/?#]+)")
PRUNE_BATCH = 500
# A day the form's field cannot read, one whole message per field (the field named as the form calls it).
NOT_A_DATE = {"fra": N_("fra: skal være en dato som 2026-12-01 (år-måned-dag)"),
              "til": N_("til: skal være en dato som 2026-12-01 (år-måned-dag)")}


class AuditFilterError(ValueError):
    """A filter the log cannot use, with a message naming the field (as the form calls it) and why."""


@dataclass(frozen=True)
class AuditFilters:
    """What the admin asks of the log: whose acts, about which item, which kind, and between which days (UTC)."""

    actor: str | None = None
    item_id: str | None = None
    act: AuditAct | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        """Read the form's fields (bruger, emne, handling, fra, til); AuditFilterError names a bad one."""
        act = (args.get("handling") or "").strip() or None
        if act is not None and act not in set(AuditAct):
            raise AuditFilterError(_("handling: ikke en af logbogens slags handlinger"))
        since, until = _day(args, "fra"), _day(args, "til")
        if since and until and since > until:
            raise AuditFilterError(_("til: skal være samme dag som »fra« eller senere"))
        return cls((args.get("bruger") or "").strip() or None, _item_id(args.get("emne") or ""),
                   AuditAct(act) if act else None, since, until)

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on audit_events for these filters."""
        found = []
        if self.actor:
            found.append(AuditEvent.actor_name == self.actor)
        if self.item_id:
            found.append(exists().where(AuditEventItem.event_id == AuditEvent.id,
                                        AuditEventItem.item_id == self.item_id))
        if self.act:
            found.append(AuditEvent.act == self.act)
        if self.since:
            found.append(AuditEvent.at >= datetime.combine(self.since, time(), UTC))
        if self.until:
            found.append(AuditEvent.at < datetime.combine(self.until + timedelta(days=1), time(), UTC))
        return found

    def as_args(self) -> dict[str, str]:
        """The filters as the form's fields, for links to other pages and to the CSV of the same view."""
        values = {"bruger": self.actor, "emne": self.item_id, "handling": self.act,
                  "fra": self.since and self.since.isoformat(), "til": self.until and self.until.isoformat()}
        return {k: str(v) for k, v in values.items() if v}


def _day(args: Mapping[str, str], name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise AuditFilterError(_(NOT_A_DATE[name])) from None


def _item_id(raw: str) -> str | None:
    raw = raw.strip()
    match = _ITEM_ADDRESS.search(raw)
    return (match.group(1) if match else raw) or None


@dataclass(frozen=True)
class AuditPage:
    """One page of the filtered log, newest first."""

    events: list[AuditEvent]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.page_size))


def list_events(session: Session, filters: AuditFilters, page: int, page_size: int) -> AuditPage:
    """A page of the events that match the filters, newest first."""
    where = filters.conditions()
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    events = session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.id.desc())
                             .offset((page - 1) * page_size).limit(page_size)).all()
    return AuditPage(list(events), page, page_size, total)


def all_events(session: Session, filters: AuditFilters, batch: int = 500) -> Iterator[AuditEvent]:
    """Every event that matches the filters, newest first, read a batch at a time (for the CSV export)."""
    before = None
    while True:
        where = filters.conditions() + ([AuditEvent.id < before] if before else [])
        events = session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.id.desc()).limit(batch)).all()
        yield from events
        if len(events) < batch:
            return
        before = events[-1].id


def actors(session: Session) -> list[tuple[str, str]]:
    """Everyone the log names as an actor, (username, display name), for the filter form."""
    rows = session.execute(select(AuditEvent.actor_name, func.max(AuditEvent.actor_display_name))
                           .group_by(AuditEvent.actor_name).order_by(AuditEvent.actor_name)).all()
    return [(name, display) for name, display in rows]


def held_items(session: Session, item_ids: set[str]) -> set[str]:
    """Which of these item ids the node still holds (the page links those)."""
    if not item_ids:
        return set()
    return set(session.scalars(select(Item.id).where(Item.id.in_(item_ids))))


def prune_audit_events(session: Session, before: datetime, batch: int = PRUNE_BATCH) -> int:
    """Delete up to `batch` of the oldest events from before `before`, with their items; returns how many."""
    ids = list(session.scalars(select(AuditEvent.id).where(AuditEvent.at < before)
                               .order_by(AuditEvent.id).limit(batch)))
    if ids:
        # The items explicitly: the cascade holds only where the database enforces foreign keys.
        session.execute(delete(AuditEventItem).where(AuditEventItem.event_id.in_(ids)))
        session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))
    return len(ids)
