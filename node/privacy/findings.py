"""What a detector reports (a kind and a span, never the value) and the small checks the detectors share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (a key of KIND_LABELS) and its span in the scanned text."""

    kind: str
    start: int
    end: int


def free_before(text: str, start: int, also: str) -> bool:
    """True when the match at `start` does not continue a word, a number or one of the `also` characters."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in also)


def valid_date(day: int, month: int, year: int) -> bool:
    """True when day, month and year make a calendar date."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
