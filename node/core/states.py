"""Declared state transitions: beside each state enum, the moves it allows, and the one way to make a move.

State columns hold plain strings. A `Transitions` declaration names, for every
state of an enum, the states it may move to; `Transitions.move` is the one
function that changes such a column, and it refuses any move not declared
(after takahe's StateGraph). The services keep their own checks with messages
for the user; the graph is the backstop that catches a move they let through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint


class TransitionRefused(ValueError):
    """A state change its graph does not declare: a mistake in the calling code, not in the user's request."""

    def __init__(self, model: str, row_id: Any, current: str | None, wanted: str):
        super().__init__(f"{model} {row_id!r}: {current} -> {wanted} is not a declared transition")
        self.model, self.row_id, self.current, self.wanted = model, row_id, current, wanted


class Transitions:
    """The states of one enum, each with the states it may move to, and the column that holds them."""

    def __init__(self, states: type[StrEnum], column: str, moves: Mapping[StrEnum, Iterable[StrEnum]]):
        self.states, self.column = states, column
        self.moves = {state: tuple(targets) for state, targets in moves.items()}
        # A state left out, or a target from another enum, is a slip in the declaration: refuse it at import.
        if missing := [s.value for s in states if s not in self.moves]:
            raise ValueError(f"{states.__name__}: no transitions declared for {missing}")
        if strays := [t for t in (*self.moves, *self.targets()) if not isinstance(t, states)]:
            raise ValueError(f"{states.__name__}: transitions name states of another enum: {strays}")

    def targets(self) -> list[StrEnum]:
        """Every state some declared move leads to."""
        return [t for targets in self.moves.values() for t in targets]

    def pairs(self) -> list[tuple[StrEnum, StrEnum]]:
        """Every declared move as (from, to), in declaration order."""
        return [(state, target) for state, targets in self.moves.items() for target in targets]

    def allows(self, current: str | None, wanted: str) -> bool:
        """Whether the graph declares the move from `current` to `wanted`."""
        return wanted in self.moves.get(current, ())

    def move(self, row: Any, wanted: StrEnum) -> None:
        """Set the row's state column to `wanted`, or raise TransitionRefused if that move is not declared."""
        current = getattr(row, self.column)
        if not self.allows(current, wanted):
            raise TransitionRefused(type(row).__name__, getattr(row, "id", None), current, wanted)
        setattr(row, self.column, wanted)

    def check_constraint(self) -> CheckConstraint:
        """A CHECK that the column holds one of the enum's values; the naming convention prefixes ck_<table>_."""
        values = ", ".join(f"'{state.value}'" for state in self.states)
        return CheckConstraint(f"{self.column} IN ({values})", name=self.column)
