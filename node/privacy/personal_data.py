"""Finding personal data in free text: CPR numbers, phone numbers, e-mail, licence plates, addresses, names.

Pure functions. A finding says what kind of data was found and where, never
the value, so callers can refuse text without repeating it in a message or a
log. The detectors are tuned to stay quiet on what bulletins and practice
write-ups legitimately contain: years and periods, dates, clock times, ages
("13-15-årige"), counts, short service numbers (112, 114) and municipality codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "personal_data"
KIND_LABELS = {
    "cpr": "et CPR-nummer",
    "phone": "et telefonnummer",
    "email": "en e-mailadresse",
    "licence_plate": "en nummerplade",
    "address": "en adresse",
    "name": "et personnavn",
}

# The patterns start with what they look for, not with a look-behind, so the regex engine can skip ahead
# to candidates; what may not come before a match is checked in `_free_before`.
_CPR = re.compile(r"\d{6}[-\u2010\u2013 ]?\d{4}(?![\d-])")
# Danish subscriber numbers start with 2-9 (0 and 1 begin service numbers such as 112 and 114).
_PHONE = re.compile(r"[2-9]\d(?:\d{6}|(?: \d\d){3}|(?:-\d\d){3}|\d\d[ -]\d{4}| \d{3} \d{3})(?![\d-])")
_COUNTRY_CODE = re.compile(r"\(?(?:\+|00)45\)?[ -]?$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PLATE = re.compile(r"[A-Z]{2} ?\d{2} ?\d{3}(?![\w-])")
# A house number with an optional letter, and the word after it.
_HOUSE_NUMBER = re.compile(r"\b\d{1,3}(?!\d|[.,:]\d)(?: ?[A-Za-z](?!\w))?(?: (\w+))?")
_DIGIT = re.compile(r"\d")
# Words after a number that make it a count, not a house number ("på Torvet 3 aftener").
_COUNT_WORDS = frozenset(
    "aftener dage gange timer uger måneder år årige unge børn personer drenge piger voksne kr procent "
    "minutter sager anmeldelser tilfælde episoder hændelser grupper".split()
)
_NAME = r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?"
_NAME_TOKEN = re.compile(_NAME)
# Two or more capitalised words in a row: only such runs can hold a first name and a surname, and in
# Danish prose most capitalised words stand alone (sentence starts), so most text is skipped at once.
_NAME_RUN = re.compile(rf"{_NAME}(?: {_NAME})+")
# An age right after a first name: "Mikkel (15)", "Sara, 14 år".
_AGE_AFTER = re.compile(r"\s*(?:\(\d{1,2}(?: år)?\)|, \d{1,2} år)")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (a key of KIND_LABELS) and its span in the scanned text."""

    kind: str
    start: int
    end: int


def find_personal_data(text: str, strict: bool = False) -> list[Finding]:
    """All personal data in `text`, in order; `strict` (bulletins) also flags a lone first name with an age."""
    findings = _full_names(text)
    if "@" in text:
        findings += [Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    if _DIGIT.search(text):
        findings += [*_cpr_numbers(text), *_phone_numbers(text), *_licence_plates(text), *_addresses(text)]
    if strict:
        findings += _named_with_age(text)
    return sorted(set(findings), key=lambda f: (f.start, f.kind))


def _free_before(text: str, start: int, also: str) -> bool:
    """True when the match at `start` does not continue a word, a number or one of the `also` characters."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in also)


def _valid_date(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _cpr_numbers(text: str) -> list[Finding]:
    # The modulus-11 check was dropped in 2007, so any valid birth date with four digits counts.
    # Only whether the year is a leap year matters: 2000 stands for every year divisible by four.
    return [Finding("cpr", m.start(), m.end()) for m in _CPR.finditer(text) if _free_before(text, m.start(), "-")
            and _valid_date(int(m[0][:2]), int(m[0][2:4]), 2000 if int(m[0][4:6]) % 4 == 0 else 2001)]


def _phone_numbers(text: str) -> list[Finding]:
    found = []
    for m in _PHONE.finditer(text):
        number, start = m[0], m.start()
        prefix = _COUNTRY_CODE.search(text, max(0, start - 7), start)
        if prefix:
            start = prefix.start()
        if not _free_before(text, start, "+("):
            continue
        digits = re.sub(r"\D", "", number)
        if re.fullmatch(r"\d{4}[ -]\d{4}", number) and all(1900 <= int(y) <= 2099 for y in (digits[:4], digits[4:])):
            continue  # a period of years: "2023-2024"
        if len(number) == 8 and _valid_date(int(digits[:2]), int(digits[2:4]), int(digits[4:])) and \
                1900 <= int(digits[4:]) <= 2099:
            continue  # a date written as DDMMYYYY
        if re.fullmatch(r"\d\d \d{3} \d{3}", number) and not prefix:
            continue  # "25 000 000" is an amount; grouped 2-3-3 only counts after +45
        found.append(Finding("phone", start, m.end()))
    return found


def _licence_plates(text: str) -> list[Finding]:
    return [Finding("licence_plate", m.start(), m.end()) for m in _PLATE.finditer(text)
            if _free_before(text, m.start(), "-")]


def _addresses(text: str) -> list[Finding]:
    found = []
    for m in _HOUSE_NUMBER.finditer(text):
        before = text[max(0, m.start() - 80):m.start()]
        words = before.split()[-4:]
        # Every Danish street name ends in a capitalised word ("Skolevej", "Ved Kirken", "10. Februar Vej").
        if not before.endswith(" ") or not words or not words[-1][0].isupper() or \
                (m[1] and m[1].lower() in _COUNT_WORDS):
            continue
        # The street name is the words just before the number ("H.C. Andersens Boulevard"); longest first.
        for first in range(len(words)):
            street = " ".join(words[first:])
            if (street[0].isupper() or street[0].isdigit()) and street.casefold() in street_names():
                found.append(Finding("address", m.start() - len(street) - 1, m.end()))
                break
    return found


def _full_names(text: str) -> list[Finding]:
    """A known first name followed by a known surname, optionally with up to two middle names between them."""
    found = []
    for run in _NAME_RUN.finditer(text):
        words, starts = run[0].split(" "), [run.start()]
        for word in words[:-1]:
            starts.append(starts[-1] + len(word) + 1)
        for i, word in enumerate(words):
            if not _is_first_name(word):
                continue
            last = next((j for j in range(i + 1, min(i + 4, len(words))) if _is_surname(words[j])), None)
            if last is not None:
                found.append(Finding("name", starts[i], starts[last] + len(words[last])))
    return found


def _named_with_age(text: str) -> list[Finding]:
    return [Finding("name", m.start(), m.end()) for m in _NAME_TOKEN.finditer(text)
            if _is_first_name(m[0]) and _AGE_AFTER.match(text, m.end())]


def _is_first_name(token: str) -> bool:
    return all(part.casefold() in first_names() for part in token.split("-"))


def _is_surname(token: str) -> bool:
    # A double surname may join a first name ("Larsen-Møller", "Hansen-Mette"), but one part must be a surname.
    parts = [part.casefold() for part in token.split("-")]
    return any(p in surnames() for p in parts) and all(p in surnames() or p in first_names() for p in parts)


def _word_list(name: str) -> frozenset[str]:
    return frozenset(line.strip().casefold() for line in (DATA / name).read_text(encoding="utf-8").splitlines()
                     if line.strip())


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
