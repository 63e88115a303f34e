"""Earlier bulletins for the same area and an overlapping period: their counts and a new one's can be subtracted.

Two bulletins about the same municipality or police district and overlapping
periods may each hide a small count, and still give it away together: "Samlet 20"
in one and "Samlet 17" for the same weeks minus a day in the other. Suppression
within one bulletin cannot see that, so the editor names the earlier bulletins to
the author before the new one is saved (docs/small-counts.md).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.core.models import Item, ItemStatus, ItemTerm
from node.items.schema import ItemContent

# The fields that name a bulletin's area; the free-text "area" detail is never an address and is not compared.
AREA_FIELDS = ("municipalities", "police_districts")
# Bulletins readers can see or soon will: a draft of someone else is not yet anything to subtract from.
_HELD = (ItemStatus.PUBLISHED, ItemStatus.AWAITING_APPROVAL)


def overlapping_bulletins(session: Session, content: ItemContent, except_id: str | None = None) -> list[Item]:
    """The held bulletins (own or received) for an area of `content` whose period overlaps its period, by title."""
    areas = [(f, v) for f in AREA_FIELDS for v in getattr(content, f)]
    if content.type != "bulletin" or not areas:
        return []
    same_area = select(ItemTerm.item_id).where(
        ItemTerm.field.in_(AREA_FIELDS), ItemTerm.value.in_([v for _, v in areas])
    )
    candidates = session.scalars(
        select(Item).where(Item.type == "bulletin", Item.status.in_(_HELD), Item.id.in_(same_area))
        .order_by(Item.title)
    ).all()
    period = _period(content.details)
    return [i for i in candidates if i.id != except_id and _overlaps(period, _period(i.details or {}))]


def _period(details: dict) -> tuple[date, date]:
    # A missing end (or start) is an open period: it may overlap anything on that side.
    start, end = details.get("period_start"), details.get("period_end")
    return (date.fromisoformat(start) if start else date.min, date.fromisoformat(end) if end else date.max)


def _overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
