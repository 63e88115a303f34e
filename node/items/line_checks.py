"""Checking the lines of an import file, on several cores when the file is large and the caller allows it.

Checking a line (JSON, the item schema, the anonymisation guard) needs nothing from the database and
is most of an import's time, so a large file is split into chunks checked by forked worker processes.
Only the command line asks for workers: a web server's threads must never fork.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat

from node.core.config import LocalRules
from node.items.schema import ItemContent, ItemInvalid, validate_item
from node.privacy.personal_data import find_personal_data

CHUNK = 500  # lines per task: large enough that handing results back costs little beside checking them
Checked = tuple[int, ItemContent | str]  # a line's number and its content, or why it was refused


def check_lines(lines: list[str], node_id: str, rules: LocalRules, *, workers: int = 1,
                progress: Callable[[int], None] | None = None) -> Iterator[Checked]:
    """Every non-blank line checked, in order; `progress` hears how many lines each finished chunk held."""
    numbered = list(enumerate(lines, start=1))
    chunks = [numbered[start:start + CHUNK] for start in range(0, len(numbered), CHUNK)]
    workers = min(workers, len(chunks))
    if workers > 1:
        find_personal_data("")  # load the guard's word lists once, before the fork, for every worker to share
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from _in_order(chunks, pool.map(check_chunk, chunks, repeat(node_id), repeat(rules)), progress)
    else:
        yield from _in_order(chunks, (check_chunk(chunk, node_id, rules) for chunk in chunks), progress)


def _in_order(chunks: list[list[tuple[int, str]]], results: Iterator[list[Checked]],
              progress: Callable[[int], None] | None) -> Iterator[Checked]:
    for chunk, checked in zip(chunks, results):
        yield from checked
        if progress:
            progress(len(chunk))


def check_chunk(chunk: list[tuple[int, str]], node_id: str, rules: LocalRules) -> list[Checked]:
    """Check numbered lines (in a worker process or in this one); blank lines are skipped."""
    checked: list[Checked] = []
    for number, line in chunk:
        if not line.strip():
            continue
        try:
            checked.append((number, check_line(line, node_id, rules)))
        except (ValueError, ItemInvalid) as exc:
            checked.append((number, str(exc)))
    return checked


def check_line(line: str, node_id: str, rules: LocalRules) -> ItemContent:
    """One line's validated content; raises ValueError or ItemInvalid saying what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ugyldig JSON ({exc.msg}, kolonne {exc.colno})") from None
    if isinstance(data, dict) and not data.get("id"):
        raise ValueError("id: skal udfyldes ved import (import er idempotent på id)")
    # The administrator runs import on the machine, so a recorded override reason is accepted.
    return validate_item(data, node_id=node_id, may_override=True, rules=rules)
