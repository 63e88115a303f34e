"""Checking import lines on several processes gives the same answers, in the same order, as on one."""

from __future__ import annotations

import json

from node.core.config import LocalRules
from node.items.line_checks import CHUNK, check_lines

NODE = "aarhus-kommune"


def _line(n: int) -> str:
    item = {"id": f"{NODE}:metode-{n}", "type": "method", "title": f"Metode nummer {n}",
            "summary": "En metode til bekymringssamtaler i udskolingen.", "body": "Sådan gør vi.", "audience": "public"}
    if n % 700 == 3:
        item["body"] = "Ring til Mette Hansen på 20 30 40 50."  # personal data: refused by the guard
    return json.dumps(item, ensure_ascii=False)


def _lines() -> list[str]:
    lines = [_line(n) for n in range(1, 3 * CHUNK + 120)]
    lines[10] = "{ikke json"
    lines[CHUNK + 5] = ""
    return lines


def _as_comparable(checked):
    return [(number, result if isinstance(result, str) else result.id) for number, result in checked]


def test_two_workers_check_every_line_like_one_process_does_with_the_same_numbers_and_reasons():
    lines = _lines()
    alone = _as_comparable(check_lines(lines, NODE, LocalRules()))
    seen: list[int] = []
    parallel = _as_comparable(check_lines(lines, NODE, LocalRules(), workers=2, progress=seen.append))
    assert parallel == alone
    refused = {number: reason for number, reason in alone if not reason.startswith(f"{NODE}:")}
    assert refused[11].startswith("ugyldig JSON")
    assert "et personnavn" in refused[3] and "et telefonnummer" in refused[3] and "Mette" not in refused[3]
    assert CHUNK + 6 not in dict(alone)  # the blank line is skipped, not refused
    assert sum(seen) == len(lines) and len(seen) == 4  # progress per finished chunk, every line counted once
