"""Listing items with filters and pages, always within what the viewer may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from math import ceil

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from node.core.models import Item, ItemStatus, ItemTerm, User
from node.core.translation import gettext as _
from node.items.tags import TAG_KEYS, tag_key
from node.items.visibility import editable_items, readable_items
from node.items.vocabulary import TYPES

# Query parameter -> ItemTerm.field, for filters on list fields.
TERM_FILTERS = {
    "municipality": "municipalities",
    "district": "police_districts",
    "tag": "tags",
    "target_group": "target_groups",
    "cooperation": "cooperation",
}


class FilterError(ValueError):
    """A query parameter with a value that cannot be used; names the parameter, never echoes the value."""


@dataclass(frozen=True)
class ItemFilters:
    """The filters a list page or API call asks for."""

    type: str | None = None
    status: str | None = None
    prevention_level: str | None = None
    origin: str | None = None
    terms: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ItemFilters:
        """Read filters from query parameters, refusing unknown types and statuses."""
        item_type = args.get("type") or None
        if item_type is not None and item_type not in TYPES:
            raise FilterError(_("type: er ikke en af %(choices)s", choices=", ".join(TYPES)))
        status = args.get("status") or None
        if status is not None and status not in set(ItemStatus):
            raise FilterError(_("status: er ikke en af %(choices)s", choices=", ".join(ItemStatus)))
        terms = tuple((TERM_FILTERS[k], args[k]) for k in TERM_FILTERS if args.get(k))
        return cls(item_type, status, args.get("prevention_level") or None, args.get("origin") or None, terms)

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions for these filters."""
        found = [
            column == value
            for column, value in (
                (Item.type, self.type),
                (Item.status, self.status),
                (Item.prevention_level, self.prevention_level),
                (Item.origin, self.origin),
            )
            if value is not None
        ]
        return found + [exists(term_rows(ItemTerm, *term).where(ItemTerm.item_id == Item.id)) for term in self.terms]


def term_rows(terms: type[ItemTerm], field: str, value: str) -> Select:
    """The ids of the items with one filter term; a tag by its key, which its case and æ/ø/å spelling share."""
    field, value = (TAG_KEYS, tag_key(value)) if field == "tags" else (field, value)
    return select(terms.item_id).where(terms.field == field, terms.value == value)


# A list counts what it holds up to here and beyond says "more than": an exact count would walk every visible
# item on each page view, so it would grow with the node; past a thousand items a reader narrows or searches.
TOTAL_CAP = 1000


@dataclass(frozen=True)
class ItemPage:
    """One page of a filtered item list; `total` is exact up to TOTAL_CAP, beyond it the cap (a lower bound)."""

    items: list[Item]
    page: int
    page_size: int
    total: int
    has_next: bool
    total_exact: bool = True

    @property
    def pages(self) -> int | None:
        """How many pages the list has; None when the total is not known exactly."""
        return max(1, ceil(self.total / self.page_size)) if self.total_exact else None


def parse_page(raw: str | None, parameter: str = "page") -> int:
    """A 1-based page number from a query parameter; a refusal names the parameter as the form calls it."""
    try:
        page = int(raw or 1)
    except ValueError:
        raise FilterError(_("%(parameter)s: skal være et helt tal", parameter=parameter)) from None
    if page < 1:
        raise FilterError(_("%(parameter)s: skal være 1 eller mere", parameter=parameter))
    return page


def list_statements(
    user: User | None, filters: ItemFilters, *, drafts: bool = False, few: bool = False
) -> tuple[Select, Select]:
    """The statements behind a list: its items, newest change first, and their count up to TOTAL_CAP + 1.

    The order matches the indexes on (status, updated_at, id) and (type, status, updated_at, id), both
    directions descending, so a page is a walk down one index that stops after it, not a sort. With a
    term filter a walk passes (offset + page) ÷ the term's share of the items, so the count, and the rows
    of a list counted to hold at most TOTAL_CAP items (`few`), start from the term's index entries instead.
    """
    visible = editable_items(user) if drafts else readable_items(user)
    where = [visible, *filters.conditions()]
    rows = select(Item).where(*where).order_by(Item.updated_at.desc(), Item.id.desc())
    if not filters.terms:
        return rows, select(func.count()).select_from(select(Item.id).where(*where).limit(TOTAL_CAP + 1).subquery())
    matches = term_matches(visible, filters)
    if few:
        rows = select(Item).where(Item.id.in_(matches)).order_by(Item.updated_at.desc(), Item.id.desc())
    return rows, select(func.count()).select_from(matches.limit(TOTAL_CAP + 1).subquery())


def term_matches(visible: ColumnElement[bool], filters: ItemFilters) -> Select:
    """The ids of the visible items the filters keep, read from the first term's index entries, the rest probed."""
    first, rest = filters.terms[0], replace(filters, terms=filters.terms[1:])
    terms = aliased(ItemTerm)  # its own name: the probes' EXISTS into item_terms must not correlate with it
    kept = select(Item.id).where(Item.id == terms.item_id, visible, *rest.conditions())
    return term_rows(terms, *first).where(exists(kept))


def list_items(
    session: Session, user: User | None, filters: ItemFilters, page: int, page_size: int, *, drafts: bool = False
) -> ItemPage:
    """A page of items the user may see, newest change first."""
    rows, count = list_statements(user, filters, drafts=drafts)
    counted = session.scalar(count) or 0
    if filters.terms and counted <= TOTAL_CAP:  # sorting at most TOTAL_CAP matches beats walking past the rest
        rows, _ = list_statements(user, filters, drafts=drafts, few=True)
    # One more row than the page shows says whether a next page exists, also where the total is not exact.
    items = list(session.scalars(rows.offset((page - 1) * page_size).limit(page_size + 1)))
    return ItemPage(items[:page_size], page, page_size, min(counted, TOTAL_CAP), len(items) > page_size,
                    counted <= TOTAL_CAP)


def latest_statements(user: User | None, per_type: int = 4) -> dict[str, Select]:
    """For each type, the statement of its newest readable items, for the front page."""
    return {
        item_type: select(Item).where(readable_items(user), Item.type == item_type)
        .order_by(Item.published_at.desc(), Item.id.desc()).limit(per_type)
        for item_type in TYPES
    }


def latest_per_type(session: Session, user: User | None, per_type: int = 4) -> dict[str, list[Item]]:
    """The newest readable items of each type, for the front page."""
    return {item_type: list(session.scalars(rows)) for item_type, rows in latest_statements(user, per_type).items()}
