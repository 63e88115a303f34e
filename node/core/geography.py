"""Denmark's municipalities and police districts, read from the shipped CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_CSV = Path(__file__).resolve().parents[1] / "data" / "municipalities.csv"


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    region: str
    police_district: str


@cache
def municipalities() -> dict[str, Municipality]:
    """All 98 municipalities keyed by their 4-digit code, in code order."""
    with _CSV.open(encoding="utf-8", newline="") as f:
        rows = [
            Municipality(r["code"], r["name"], r["region"], r["police_district"])
            for r in csv.DictReader(f)
        ]
    return {m.code: m for m in sorted(rows, key=lambda m: m.code)}


@cache
def police_districts() -> tuple[str, ...]:
    """The twelve police district names, sorted."""
    return tuple(sorted({m.police_district for m in municipalities().values()}))


def municipality_name(code: str) -> str:
    """The name of a municipality, or the code itself if it is unknown."""
    m = municipalities().get(code)
    return m.name if m else code
