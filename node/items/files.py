"""JSON Lines import (all-or-nothing, idempotent) and export of this node's items."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.audit.log import record_admin_act
from node.audit.models import AuditAct
from node.core.config import LocalRules
from node.core.db import bulk_insert
from node.core.models import Item, ItemStatus, ItemTerm, utcnow
from node.items.as_json import item_to_json
from node.items.line_checks import check_lines
from node.items.publishing import (
    ActingNode,
    ImportOutcome,
    content_terms,
    first_version_row,
    held_item_refusal,
    publish_imported,
)
from node.items.schema import ItemContent
from node.items.sinks import PreparedWrite


@dataclass
class LineError:
    """Why one line of an import file was refused."""

    line: int
    message: str

    def __str__(self) -> str:
        # Line 0 is the file as a whole (what changed on the node while the import was being prepared).
        return f"linje {self.line}: {self.message}" if self.line else self.message


class ImportRefused(ValueError):
    """An import file with bad lines; nothing from it was stored."""

    def __init__(self, errors: list[LineError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


@dataclass
class ImportReport:
    """How many lines created, updated or left items unchanged."""

    counts: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        c = self.counts
        return (f"{c[ImportOutcome.CREATED]} oprettet, {c[ImportOutcome.UPDATED]} opdateret, "
                f"{c[ImportOutcome.UNCHANGED]} uændret")


def parse_lines(session: Session, lines: Iterable[str], node_id: str, rules: LocalRules, *, workers: int = 1,
                progress: Callable[[int], None] | None = None) -> list[ItemContent]:
    """Validate every line (on `workers` processes); raises ImportRefused listing every bad line by number."""
    contents: list[ItemContent] = []
    errors: list[LineError] = []
    first_line: dict[str, int] = {}
    for number, checked in check_lines(list(lines), node_id, rules, workers=workers, progress=progress):
        if isinstance(checked, str):
            errors.append(LineError(number, checked))
        elif checked.id in first_line:
            errors.append(LineError(number, f"id '{checked.id}' står allerede på linje {first_line[checked.id]}"))
        else:
            first_line[checked.id] = number
            contents.append(checked)
    _refuse_held(session, contents, first_line, errors)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    return contents


def _refuse_held(session: Session, contents: list[ItemContent], first_line: dict[str, int],
                 errors: list[LineError]) -> None:
    # One look at what the node holds, for every id at once (a lookup per line was most of a large import).
    held = {c.id: c for c in contents}
    for item in _held_items(session, list(held)):
        if (problem := held_item_refusal(item, held[item.id])) is not None:
            errors.append(LineError(first_line[item.id], problem))


def _held_items(session: Session, ids: list[str]) -> list[Item]:
    found: list[Item] = []
    for start in range(0, len(ids), _ID_CHUNK):
        found += session.scalars(select(Item).where(Item.id.in_(ids[start:start + _ID_CHUNK]))).all()
    return found


_ID_CHUNK = 500  # ids per IN (...) list, well below every database's limit on parameters


@dataclass
class PreparedImport:
    """A validated import ready to write: new items as signed rows, changed ones as content, the rest counted."""

    rows: list[dict]
    terms: list[dict]
    write_feeds: PreparedWrite
    changed: list[ItemContent]
    unchanged: int

    def __len__(self) -> int:
        return len(self.rows) + len(self.changed) + self.unchanged


def prepare_import(session: Session, by: ActingNode, lines: Iterable[str], *, workers: int = 1,
                   progress: Callable[[int], None] | None = None) -> PreparedImport:
    """Validate every line and prepare what the import writes, signing new items; only reads the database.

    Raises ImportRefused naming every bad line. Nothing here needs a write transaction, so a long
    validation never keeps the node's web requests and scheduler waiting (docs/benchmarks.md, import).
    """
    contents = parse_lines(session, lines, by.node_id, by.rules, workers=workers, progress=progress)
    held = {i.id: i for i in _held_items(session, [c.id for c in contents])}
    if by.user is None:
        new = [c for c in contents if c.id not in held]
        changed = [c for c in contents if c.id in held and _changes(held[c.id], c)]
    else:  # a user's import takes the path item by item, where four eyes applies to their bulletins
        new, changed = [], [c for c in contents if c.id not in held or _changes(held[c.id], c)]
    now = utcnow()
    rows = [first_version_row(c, by, now) for c in new]
    terms = [{"item_id": c.id, "field": f, "value": v} for c in new for f, v in content_terms(c)]
    # The sinks only read the new items' columns: plain namespaces of the rows serve them, where building an ORM
    # instance per row was a tenth of a large import (docs/benchmarks.md, import).
    write_feeds = by.sinks.first_versions_prepared([SimpleNamespace(**row, approved_by=None) for row in rows])
    return PreparedImport(rows, terms, write_feeds, changed, len(contents) - len(new) - len(changed))


def _changes(item: Item, content: ItemContent) -> bool:
    return not (item.content_hash == content.content_hash() and item.status == ItemStatus.PUBLISHED)


def write_import(session: Session, by: ActingNode, prepared: PreparedImport) -> ImportReport:
    """Write a prepared import in the caller's transaction: new items in bulk, changed ones as new versions."""
    arrived = [i.id for i in _held_items(session, [row["id"] for row in prepared.rows])]
    if arrived:  # written by someone else since it was prepared: the prepared rows would collide
        raise ImportRefused([LineError(0, f"id '{arrived[0]}' blev oprettet under importen; kør den igen")])
    bulk_insert(session, Item.__table__, prepared.rows)
    bulk_insert(session, ItemTerm.__table__, prepared.terms)
    prepared.write_feeds(session)
    _record_imported_approvals(session, by, prepared.rows)
    report = ImportReport()
    report.counts[ImportOutcome.CREATED] += len(prepared.rows)
    report.counts[ImportOutcome.UNCHANGED] += prepared.unchanged
    for content in prepared.changed:
        report.counts[publish_imported(session, by, content)] += 1
    return report


def _record_imported_approvals(session: Session, by: ActingNode, rows: list[dict]) -> None:
    # The bulk path approves new bulletins as the administrator's import, as `publish` would one by one:
    # one audit event names them all, in the write's own transaction.
    bulletins = [SimpleNamespace(id=r["id"], audience_kind=r["audience_kind"], title=r["title"])
                 for r in rows if r["type"] == "bulletin"]
    if bulletins:
        record_admin_act(session, by.actor, AuditAct.BULLETIN_APPROVED, items=bulletins,
                         description=f"{len(bulletins)} tendensbulletin(er) godkendt ved nodens administrators import")


def import_items(session: Session, by: ActingNode, lines: Iterable[str]) -> ImportReport:
    """Validate all lines, then publish them in the caller's transaction; all or nothing."""
    return write_import(session, by, prepare_import(session, by, lines))


def export_lines(session: Session) -> Iterator[str]:
    """Every item the node holds, restricted and drafts included, as JSON Lines."""
    for item in session.scalars(select(Item).order_by(Item.id)):
        yield json.dumps(item_to_json(item), ensure_ascii=False, sort_keys=True) + "\n"


def write_export(session: Session, out: IO[str]) -> int:
    """Write the export to a text stream; returns the number of items."""
    count = 0
    for line in export_lines(session):
        out.write(line)
        count += 1
    return count
