"""Bulletins per month and theme in each police district, for the trend chart on the bulletin list.

`district_trends` is pure: it counts the bulletins it is given, and a count from 1 to threshold-1 is
never given out, only "under N" (as node.privacy.small_counts does for observations). The themes are the
bulletins' keywords (tags), the most used ones of each district; the month is the month the bulletin's
period starts (else the month it was published). `readable_bulletins` reads the facts with the same
visibility rule and filters as the list, so a chart never counts a bulletin its viewer may not read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.core.models import Item, User
from node.core.translation import N_
from node.items.queries import ItemFilters
from node.items.visibility import readable_items

THEMES_PER_DISTRICT = 5
MONTHS_SHOWN = 12
# The heading of bulletins without a police district (translated where shown, unlike a district's name).
NO_DISTRICT = N_("Uden politikreds")


@dataclass(frozen=True)
class BulletinFacts:
    """What the chart needs of one bulletin: its districts, its month and its themes."""

    districts: tuple[str, ...]
    month: date  # the first day of the month
    themes: tuple[str, ...]


@dataclass(frozen=True)
class TrendCell:
    """One count as the chart shows it: the number, or only that it is under the threshold."""

    count: int | None  # None when it is below the threshold
    under: int | None = None

    @property
    def shown(self) -> str:
        """The count in words: "12", "0" or "under 5" (Danish; the chart's template says it in the page's language)."""
        return f"under {self.under}" if self.count is None else str(self.count)


@dataclass(frozen=True)
class DistrictTrend:
    """One district's bulletins per month for its most used themes."""

    district: str
    months: list[date]
    themes: list[str]
    rows: dict[str, list[TrendCell]]  # theme -> a cell per month, in the order of `months`
    threshold: int

    @property
    def unnamed(self) -> bool:
        """Whether these are the bulletins without a police district (headed in words, not by a name)."""
        return self.district == NO_DISTRICT

    @property
    def scale(self) -> int:
        """The largest bar: the largest shown count, or the threshold an "under N" bar reaches up to."""
        shown = [c.count for cells in self.rows.values() for c in cells if c.count is not None]
        return max([self.threshold, *shown])


def shown_cell(count: int, threshold: int) -> TrendCell:
    """A count as it may be shown: below the threshold (and above zero) only as "under N"."""
    return TrendCell(None, threshold) if 0 < count < threshold else TrendCell(count)


def month_span(months: Iterable[date], most: int = MONTHS_SHOWN) -> list[date]:
    """Every month from the earliest to the latest given, at most the latest `most` of them."""
    found = sorted(set(months))
    if not found:
        return []
    first, last = found[0], found[-1]
    span = [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
            for i in range((last.year - first.year) * 12 + last.month - first.month + 1)]
    return span[-most:]


def district_trends(bulletins: Iterable[BulletinFacts], threshold: int,
                    themes_per_district: int = THEMES_PER_DISTRICT) -> list[DistrictTrend]:
    """Per district (in name order), the bulletins per month of its most used themes, small counts hidden."""
    by_district: dict[str, list[BulletinFacts]] = {}
    for bulletin in bulletins:
        for district in bulletin.districts or (NO_DISTRICT,):
            by_district.setdefault(district, []).append(bulletin)
    ordered = sorted(by_district.items(), key=lambda pair: (pair[0] == NO_DISTRICT, pair[0]))
    trends = [_trend(district, found, threshold, themes_per_district) for district, found in ordered]
    return [trend for trend in trends if trend.themes]  # a district whose bulletins carry no keywords has no chart


def _trend(district: str, bulletins: list[BulletinFacts], threshold: int, most: int) -> DistrictTrend:
    months = month_span(b.month for b in bulletins)
    used = Counter(theme for b in bulletins if b.month in months for theme in set(b.themes))
    themes = [theme for theme, _ in sorted(used.items(), key=lambda pair: (-pair[1], pair[0]))[:most]]
    counts = Counter((theme, b.month) for b in bulletins for theme in set(b.themes))
    rows = {theme: [shown_cell(counts[theme, month], threshold) for month in months] for theme in themes}
    return DistrictTrend(district, months, themes, rows, threshold)


def bulletin_month(details: dict | None, published_at: datetime | None, updated_at: datetime) -> date:
    """The month a bulletin belongs to: its period's start, else when it was published (or last changed)."""
    start = (details or {}).get("period_start")
    try:
        day = date.fromisoformat(start) if isinstance(start, str) else None
    except ValueError:
        day = None
    moment: datetime | date = day or published_at or updated_at
    return date(moment.year, moment.month, 1)


def readable_bulletins(session: Session, user: User | None, filters: ItemFilters) -> list[BulletinFacts]:
    """The facts of every bulletin the user may read that the list's filters let through."""
    query = (select(Item.police_districts, Item.tags, Item.details, Item.published_at, Item.updated_at)
             .where(readable_items(user), Item.type == "bulletin", *filters.conditions()))
    return [BulletinFacts(tuple(districts or ()), bulletin_month(details, published, updated), tuple(tags or ()))
            for districts, tags, details, published, updated in session.execute(query)]
