"""`vidensnet audit export`: the audit log as CSV from the command line (the export itself is recorded)."""

from __future__ import annotations

import sys
from datetime import date

import click

from node.audit.csv_export import csv_chunks
from node.audit.log import COMMAND_LINE, AccessNotRecorded, record_access
from node.audit.models import AuditAct
from node.audit.queries import AuditFilters, all_events


@click.group()
def audit() -> None:
    """The audit log (logbog) of access to restricted items and administrative acts."""


@audit.command("export")
@click.option("--since", "since", help="Only events from this day on (YYYY-MM-DD, UTC).")
@click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
@click.pass_obj
def audit_export(obj, since: str | None, file: str | None) -> None:
    """Write the audit log, newest first, as CSV (UTF-8 with BOM, semicolons) to FILE or stdout."""
    try:
        filters = AuditFilters(since=date.fromisoformat(since) if since else None)
    except ValueError:
        raise click.ClickException("--since: skal være en dato som 2026-12-01 (år-måned-dag)") from None
    shown = f"fra {since}" if since else "hele logbogen"
    try:
        record_access(obj.sessions(), COMMAND_LINE, AuditAct.AUDIT_EXPORTED, [], query=shown,
                      description=f"Logbogen som CSV fra kommandolinjen ({shown})")
    except AccessNotRecorded:
        raise click.ClickException("eksporten kunne ikke skrives i logbogen, så den er ikke lavet") from None
    # newline="": the CSV writer ends lines with CRLF itself, as spreadsheets expect.
    out = open(file, "w", encoding="utf-8", newline="") if file else sys.stdout
    count = 0
    try:
        with obj.sessions()() as session:
            for chunk in csv_chunks(all_events(session, filters)):
                out.write(chunk)
                count += 1
    finally:
        if file:
            out.close()
    click.echo(f"Eksporterede {count - 1} hændelser fra logbogen.", err=True)
