"""Review of feed entries: a subscription that holds them keeps new entries and changes aside until a publisher decides.

A held entry lives in `held_feed_entries`, not in `items`: nothing that lists,
indexes, syndicates or replicates items can see it, so it never leaves the node
and no anonymous visitor can find it. A change of an item that is already
published is held the same way, beside the published version, which stays as it
was: approving an entry once is no licence for the source to change it later.
"Udgiv" validates the held entry again (the anonymisation guard included) and
publishes it through the publishing service as the publisher; "Afvis" keeps only
the fact that this content was refused, so the next fetch does not offer it again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.accounts.users import has_role
from node.core.models import (
    HELD_ENTRY_TRANSITIONS,
    HeldEntryState,
    HeldFeedEntry,
    Item,
    ItemStatus,
    Role,
    utcnow,
)
from node.core.translation import gettext as _
from node.items.publishing import ActingNode, ImportOutcome, import_refusal, publish_imported
from node.items.schema import ItemContent, ItemInvalid, validate_item


class ReviewError(ValueError):
    """A review decision that cannot be made, with a message for the publisher (Danish outside a web request)."""


def hold_entry(session: Session, subscription_id: int, data: dict[str, Any], content: ItemContent) -> str:
    """Keep a new or changed entry for review; returns the outcome: held, still_held, rejected or unchanged."""
    item, row = session.get(Item, content.id), session.get(HeldFeedEntry, content.id)
    content_hash = content.content_hash()
    if item is not None and item.status == ItemStatus.PUBLISHED and item.content_hash == content_hash:
        if row is not None and row.state == HeldEntryState.HELD:
            session.delete(row)  # the source went back to what is published: nothing is left to review
        return str(ImportOutcome.UNCHANGED)
    if row is None:
        session.add(HeldFeedEntry(item_id=content.id, subscription_id=subscription_id, state=HeldEntryState.HELD,
                                  data=data, content_hash=content_hash, held_at=utcnow()))
        return "held"
    if row.content_hash == content_hash:
        return "rejected" if row.state == HeldEntryState.REJECTED else "still_held"
    HELD_ENTRY_TRANSITIONS.move(row, HeldEntryState.HELD)  # a newer change replaces the one held or rejected
    row.data, row.content_hash, row.held_at = data, content_hash, utcnow()
    row.reviewed_at = row.reviewed_by = None
    return "held"


def was_rejected(session: Session, content: ItemContent) -> bool:
    """Whether a publisher refused exactly this content of the entry (respected with review off too)."""
    row = session.get(HeldFeedEntry, content.id)
    return row is not None and row.state == HeldEntryState.REJECTED and row.content_hash == content.content_hash()


def forget_held(session: Session, item_id: str) -> None:
    """Drop what was held or refused for an entry the feed has now published directly (review turned off)."""
    row = session.get(HeldFeedEntry, item_id)
    if row is not None:
        session.delete(row)


def held_entries(session: Session, subscription_id: int | None = None) -> list[dict[str, Any]]:
    """The entries waiting for review, oldest first, each with whether it is new or a change of a published item."""
    query = select(HeldFeedEntry).where(HeldFeedEntry.state == HeldEntryState.HELD).order_by(HeldFeedEntry.held_at)
    if subscription_id is not None:
        query = query.where(HeldFeedEntry.subscription_id == subscription_id)
    rows = session.scalars(query).all()
    published = set(session.scalars(select(Item.id).where(
        Item.id.in_([r.item_id for r in rows]), Item.status == ItemStatus.PUBLISHED)))
    return [{"entry": row, "change": row.item_id in published} for row in rows]


def held_count(session: Session, subscription_id: int) -> int:
    """How many entries of one subscription wait for review."""
    return session.scalar(select(func.count()).select_from(HeldFeedEntry).where(
        HeldFeedEntry.subscription_id == subscription_id, HeldFeedEntry.state == HeldEntryState.HELD)) or 0


def publish_held(session: Session, by: ActingNode, item_id: str) -> Item:
    """Publish a held entry as the reviewing publisher, validated again; the held record goes."""
    row = _held(session, by, item_id)
    try:
        content = validate_item(row.data, node_id=by.node_id)
    except ItemInvalid as exc:  # the rules changed since it was held; the fields are named, never their values
        raise ReviewError(_("indslaget kan ikke udgives: fejl i %(fields)s", fields=", ".join(exc.errors))) from None
    if import_refusal(session, content):
        raise ReviewError(_("indslaget er trukket tilbage her og kan ikke udgives igen"))
    publish_imported(session, by, content)
    session.delete(row)
    return session.get(Item, content.id)


def reject_held(session: Session, by: ActingNode, item_id: str) -> HeldFeedEntry:
    """Refuse a held entry: it is not published, and the same content is not offered again."""
    row = _held(session, by, item_id)
    HELD_ENTRY_TRANSITIONS.move(row, HeldEntryState.REJECTED)
    row.reviewed_at, row.reviewed_by = utcnow(), by.user.username if by.user else None
    return row


def _held(session: Session, by: ActingNode, item_id: str) -> HeldFeedEntry:
    if by.user is not None and not has_role(by.user, Role.PUBLISHER):
        raise ReviewError(_("kun en udgiver kan udgive eller afvise indslag fra et feed"))
    row = session.get(HeldFeedEntry, item_id)
    if row is None or row.state != HeldEntryState.HELD:
        raise ReviewError(_("indslaget venter ikke (længere) på gennemsyn"))
    return row
