"""The guard against a labelled set of bulletin sentences: every kind is always caught, at most two false alarms.

Run as a script, it prints the per-kind table that docs/anonymisation-guard.md shows.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from node.privacy.guard import field_kinds
from node.privacy.personal_data import KIND_LABELS

SENTENCES = Path(__file__).parent / "data" / "guard_sentences.jsonl"


def labelled() -> list[dict]:
    """The labelled sentences: text, field and the kinds of personal data each holds (empty when clean)."""
    return [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores() -> tuple[Counter, Counter, Counter]:
    """True positives, misses and false alarms per kind, every sentence scanned as a bulletin field."""
    hits, misses, alarms = Counter(), Counter(), Counter()
    for row in labelled():
        found, expected = field_kinds(row["field"], row["text"], strict=True), set(row["kinds"])
        hits.update(found & expected)
        misses.update(expected - found)
        alarms.update(found - expected)
    return hits, misses, alarms


def test_the_set_is_large_and_covers_every_kind():
    rows = labelled()
    assert len(rows) >= 100
    assert sum(bool(r["kinds"]) for r in rows) >= 60 and sum(not r["kinds"] for r in rows) >= 40
    assert {kind for r in rows for kind in r["kinds"]} == set(KIND_LABELS)


def test_every_kind_is_caught_every_time():
    hits, misses, _ = scores()
    assert not misses, {kind: f"{hits[kind]}/{hits[kind] + misses[kind]}" for kind in misses}


def test_at_most_two_false_alarms():
    _, _, alarms = scores()
    assert sum(alarms.values()) <= 2, alarms


def table() -> str:
    """A Markdown table of precision and recall per kind."""
    hits, misses, alarms = scores()
    lines = ["| kind | sentences | caught | false alarms | precision | recall |", "|---|---|---|---|---|---|"]
    for kind in KIND_LABELS:
        found, total = hits[kind] + alarms[kind], hits[kind] + misses[kind]
        lines.append(f"| `{kind}` | {total} | {hits[kind]} | {alarms[kind]} | "
                     f"{hits[kind] / found if found else 1:.2f} | {hits[kind] / total if total else 1:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
