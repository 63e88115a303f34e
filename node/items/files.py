"""JSON Lines import (all-or-nothing, idempotent) and export of this node's items."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.core.config import LocalRules
from node.core.models import Item
from node.items.as_json import item_to_json
from node.items.publishing import ActingNode, ImportOutcome, import_refusal, publish_imported
from node.items.schema import ItemContent, ItemInvalid, validate_item


@dataclass
class LineError:
    """Why one line of an import file was refused."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"linje {self.line}: {self.message}"


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


def parse_lines(session: Session, lines: Iterable[str], node_id: str, rules: LocalRules) -> list[ItemContent]:
    """Validate every line; raises ImportRefused listing every bad line by number."""
    contents: list[ItemContent] = []
    errors: list[LineError] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            content = _parse_line(line, node_id, rules)
        except (ValueError, ItemInvalid) as exc:
            errors.append(LineError(number, str(exc)))
            continue
        problem = _line_problem(session, content, first_line, number)
        if problem:
            errors.append(LineError(number, problem))
        else:
            first_line[content.id] = number
            contents.append(content)
    if errors:
        raise ImportRefused(errors)
    return contents


def _parse_line(line: str, node_id: str, rules: LocalRules) -> ItemContent:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ugyldig JSON ({exc.msg}, kolonne {exc.colno})") from None
    if isinstance(data, dict) and not data.get("id"):
        raise ValueError("id: skal udfyldes ved import (import er idempotent på id)")
    # The administrator runs import on the machine, so a recorded override reason is accepted.
    return validate_item(data, node_id=node_id, may_override=True, rules=rules)


def _line_problem(session: Session, content: ItemContent, first_line: dict[str, int], number: int) -> str | None:
    if content.id in first_line:
        return f"id '{content.id}' står allerede på linje {first_line[content.id]}"
    return import_refusal(session, content)


def import_items(
    session: Session,
    by: ActingNode,
    lines: Iterable[str],
    progress: Callable[[Iterable[ItemContent]], Iterable[ItemContent]] = iter,
) -> ImportReport:
    """Validate all lines, then publish them in the caller's transaction; all or nothing."""
    contents = parse_lines(session, lines, by.node_id, by.rules)
    report = ImportReport()
    for content in progress(contents):
        report.counts[publish_imported(session, by, content)] += 1
    return report


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
