"""One way to write dates and times on every page: "2. december 2026" and "2. december 2026 kl. 14.05".

In English "2 December 2026" and "2 December 2026 at 14:05": the forms and the month names come from the
catalogue. Stored times are UTC; people read them in Danish local time (Europe/Copenhagen), summer time included.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from node.core.translation import N_
from node.core.translation import gettext as _

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MONTHS = (N_("januar"), N_("februar"), N_("marts"), N_("april"), N_("maj"), N_("juni"), N_("juli"), N_("august"),
          N_("september"), N_("oktober"), N_("november"), N_("december"))
# What a page shows where a date is missing.
NO_DATE = "—"


def local_time(value: datetime) -> datetime:
    """A stored time in Danish local time; a naive one is taken as UTC, as the database keeps them."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(DANISH_TIME)


def _as_date_or_time(value: date | datetime | str) -> date | datetime:
    # Details such as a bulletin's period are stored as ISO text ("2026-12-02").
    if isinstance(value, str):
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return value


def date_words(value: date | datetime) -> str:
    """The day in words, "2. december 2026" ("2 December 2026"): no leading zero, the month's name."""
    day = local_time(value) if isinstance(value, datetime) else value
    return _("%(day)s. %(month)s %(year)s", day=day.day, month=_(MONTHS[day.month - 1]), year=day.year)


def time_words(value: datetime, seconds: bool = False) -> str:
    """The day and the time of day, "2. december 2026 kl. 14.05" (with seconds "kl. 14.05.33"; "at 14:05")."""
    moment = local_time(value)
    parts = {"hour": f"{moment.hour:02d}", "minute": f"{moment.minute:02d}", "second": f"{moment.second:02d}"}
    clock = _("%(hour)s.%(minute)s.%(second)s", **parts) if seconds else _("%(hour)s.%(minute)s", **parts)
    return _("%(date)s kl. %(clock)s", date=date_words(moment), clock=clock)


def dato(value: date | datetime | str | None) -> Markup:
    """Jinja filter: the date in words inside `<time datetime="ISO">`, or a dash when there is none."""
    if not value:
        return Markup(NO_DATE)
    try:
        parsed = _as_date_or_time(value)
    except ValueError:
        return escape(value)  # free text someone typed: shown as written
    return Markup('<time datetime="{}">{}</time>').format(parsed.isoformat(), date_words(parsed))


def tidspunkt(value: datetime | str | None, seconds: bool = False) -> Markup:
    """Jinja filter: the date and time of day in words inside `<time datetime="ISO">`, or a dash."""
    if not value:
        return Markup(NO_DATE)
    parsed = _as_date_or_time(value)
    if not isinstance(parsed, datetime):
        return dato(parsed)
    return Markup('<time datetime="{}">{}</time>').format(parsed.isoformat(), time_words(parsed, seconds))
