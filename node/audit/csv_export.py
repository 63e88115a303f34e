"""The audit log as CSV for a spreadsheet: UTF-8 with a byte-order mark and semicolons, as Danish Excel expects."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from node.audit.models import ACT_LABELS, AUDIENCE_LABELS, AuditEvent

# The byte-order mark makes Excel read the file as UTF-8 (æ, ø, å); a Danish Excel splits columns on ';'.
BOM = "\ufeff"
HEADER = ("Tidspunkt (UTC)", "Handling", "Brugernavn", "Navn", "Adresse", "Beskrivelse", "Søgning",
          "Antal emner", "Emne-id'er", "Emnetitler", "Målgrupper")
# A cell a spreadsheet would run as a formula (a title or search typed by a user) is written as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_chunks(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV text, the header first and then one line per event, in the order given."""
    yield BOM + _line(HEADER)
    for event in events:
        yield _line(event_row(event))


def event_row(event: AuditEvent) -> tuple[str, ...]:
    """One event as the CSV's cells, in Danish."""
    return (
        event.at.strftime("%Y-%m-%d %H:%M:%S"), ACT_LABELS.get(event.act, event.act), event.actor_name,
        event.actor_display_name, event.address or "", event.description, event.query or "", str(event.item_count),
        "; ".join(i.item_id for i in event.items), "; ".join(i.title for i in event.items),
        "; ".join(AUDIENCE_LABELS.get(i.audience_kind, i.audience_kind) for i in event.items),
    )


def _line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(
        ["'" + c if c.startswith(_FORMULA_STARTS) else c for c in cells])
    return out.getvalue()
