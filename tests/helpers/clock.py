"""A clock the test moves by hand, for code that takes its clock as an argument."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


class ManualClock:
    """Returns the same time until the test advances it."""

    def __init__(self, start: datetime = START):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(seconds=seconds)
