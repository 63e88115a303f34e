"""The word lists the detectors look names up in: first names, surnames, streets, places and role mailboxes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "personal_data"

# First names and surnames that are also everyday Danish words ("hans bror", "per dag", "hans have"):
# written in lower case they are far more often the word than the name, so a lower-case run never counts them.
COMMON_WORDS = frozenset(
    "hans per bo tage sol jo dag mark sten storm maj lykke rose sommer vinter klara liv stig svend ebbe kaj ask "
    "aske bjørn vilde line mette alle have skov dam mose vest lund holm berg vang bach kjær strand bonde krog "
    "kirk nord lind ravn ulv due svane falk hjort fugl birk frank gert ben max mie vera lone inge kim ole".split()
)

# Local parts of shared mailboxes: a function, never a person ("ssp@", "info@", "kontakt@", "ssp.randers@").
ROLE_MAILBOXES = frozenset(
    "ssp psp kfs sspk info kontakt post mail sekretariat politi kommune borgerservice forebyggelse "
    "kriminalpraevention kriminalforebyggelse sikkerhed tryghed klub klubben ungdomsskolen ungeenheden unge "
    "natteravne presse service support hotline raadgivning familie familieafdelingen skole skolen "
    "radhus raadhus myndighed sagsbehandling underretning underretninger vagt vagtcentral".split()
)


def _word_list(name: str) -> frozenset[str]:
    return frozenset(line.strip().casefold() for line in (DATA / name).read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


@cache
def first_names() -> frozenset[str]:
    """The 5,000 most frequent Danish first names of women and of men (Danmarks Statistik, 2014)."""
    return _word_list("first_names_women.txt") | _word_list("first_names_men.txt")


@cache
def surnames() -> frozenset[str]:
    """Danish surnames (Danmarks Statistik, 2014)."""
    return _word_list("surnames.txt")


@cache
def street_names() -> frozenset[str]:
    """Danish street names."""
    return _word_list("street_names.txt")


@cache
def place_names() -> frozenset[str]:
    """Places, streets and institutions named after a person, which are no personal data ("Anne Frank Huset")."""
    return _word_list("place_names.txt") | street_names()
