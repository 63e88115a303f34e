"""The audit log as CSV: what a Danish Excel opens correctly, and no formulas from what users typed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from node.audit.csv_export import BOM, csv_chunks
from node.audit.models import AuditEvent, AuditEventItem


def event(**fields) -> AuditEvent:
    values = dict(at=datetime(2026, 12, 1, 21, 5, tzinfo=UTC), act="searched", actor_kind="user",
                  actor_name="søren", actor_display_name="Søren Ærø", address="127.0.0.1", subject="",
                  description="Søgesiden", query="q: uro på Åboulevarden", item_count=1,
                  items=[AuditEventItem(position=0, item_id="politi:uro-1", audience_kind="districts",
                                        title="Uro på Åboulevarden")])
    return AuditEvent(**{**values, **fields})


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=";"))


def test_the_csv_starts_with_a_bom_uses_semicolons_and_keeps_danish_letters():
    text = "".join(csv_chunks([event()]))
    assert text.startswith(BOM) and "\r\n" in text
    header, row = rows(text)
    assert header[0] == "Tidspunkt (UTC)" and header[1] == "Handling"
    assert row[:4] == ["2026-12-01 21:05:00", "Søgte og fandt begrænsede emner", "søren", "Søren Ærø"]
    assert row[8:] == ["politi:uro-1", "Uro på Åboulevarden", "Udvalgte politikredse"]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    _, row = rows("".join(csv_chunks([event(query="=HYPERLINK(\"http://evil.example\")")])))
    assert row[6] == "'=HYPERLINK(\"http://evil.example\")"
