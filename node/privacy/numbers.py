"""Personal data written with digits: CPR numbers, phone numbers, licence plates and dates of birth."""

from __future__ import annotations

import re

from node.privacy.findings import Finding, free_before, valid_date

# The patterns start with what they look for, not with a look-behind, so the regex engine can skip ahead
# to candidates; what may not come before a match is checked with `free_before`.
# Six digits, or three pairs split by the same space or dot ("01 02 03-1234", "01.02.03-1234"), and four more.
_CPR = re.compile(r"(\d\d)([ .]?)(\d\d)\2(\d\d)[-\u2010\u2013 ]?\d{4}(?![\d-])")
# Danish subscriber numbers start with 2-9 (0 and 1 begin service numbers such as 112 and 114). The country
# code is part of the pattern: matched on its own, "+45 20 12 34 56" would start at "45" and swallow the number.
_PHONE = re.compile(r"(?P<cc>(?:\+|00)45[ -]?|\((?:\+|00)?45\)[ -]?)?"
                    r"(?P<n>[2-9]\d(?:\d{6}|(?: \d\d){3}|(?:-\d\d){3}|\d\d[ -]\d{4}| \d{3} \d{3}))(?![\d-])")
# The number part alone, to rule a text out in one quick scan: a pattern that may begin with a country code
# is tried at every position of the text.
_PHONE_NUMBER = re.compile(r"[2-9]\d(?:\d{6}|(?: \d\d){3}|(?:-\d\d){3}|\d\d[ -]\d{4}| \d{3} \d{3})")
# Upper case with spaces or hyphens ("AB 12 345", "AB-12-345"); lower case only without spaces ("ab12345"),
# since "på 12 345 kr." is an amount.
_PLATE = re.compile(r"(?:[A-Z]{2}[ -]?\d{2}[ -]?\d{3}|[a-z]{2}-?\d{2}-?\d{3})(?![\w-])")
# The digits every plate holds, for the same quick scan: a pattern beginning with letters is tried at every letter.
_PLATE_DIGITS = re.compile(r"\d\d[ -]?\d{3}")
_MONTHS = "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"
# A birth date needs the word for birth: a date alone is a period, a meeting or an incident.
_BIRTH_DATE = re.compile(
    rf"(?:født|f\.|fødselsdato|fødselsdag|fødd?t den)[: ]\s*(?:den |d\. )?"
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d\d)(?!\d)|\d{{1,2}}\. ?(?:{_MONTHS})\.? \d{{4}})",
    re.IGNORECASE)


def cpr_numbers(text: str) -> list[Finding]:
    """CPR numbers: a valid birth date and four digits."""
    # The modulus-11 check was dropped in 2007, so any valid birth date with four digits counts.
    # Only whether the year is a leap year matters: 2000 stands for every year divisible by four.
    return [Finding("cpr", m.start(), m.end()) for m in _CPR.finditer(text)
            if free_before(text, m.start(), "-.")
            and valid_date(int(m[1]), int(m[3]), 2000 if int(m[4]) % 4 == 0 else 2001)]


def phone_numbers(text: str) -> list[Finding]:
    """Danish phone numbers with or without +45/0045, but not periods, dates or amounts that look alike."""
    if not _PHONE_NUMBER.search(text):
        return []
    found = []
    for m in _PHONE.finditer(text):
        number, digits = m["n"], re.sub(r"\D", "", m["n"])
        if not free_before(text, m.start(), "+" if not m["cc"] else "") or _looks_like_other_number(number, digits):
            continue
        if re.fullmatch(r"\d\d \d{3} \d{3}", number) and not m["cc"]:
            continue  # "25 000 000" is an amount; grouped 2-3-3 only counts after +45
        found.append(Finding("phone", m.start(), m.end()))
    return found


def _looks_like_other_number(number: str, digits: str) -> bool:
    if re.fullmatch(r"\d{4}[ -]\d{4}", number) and all(1900 <= int(y) <= 2099 for y in (digits[:4], digits[4:])):
        return True  # a period of years: "2023-2024"
    # a date written as DDMMYYYY
    return len(number) == 8 and 1900 <= int(digits[4:]) <= 2099 and \
        valid_date(int(digits[:2]), int(digits[2:4]), int(digits[4:]))


def licence_plates(text: str) -> list[Finding]:
    """Danish licence plates: two letters and five digits."""
    if not _PLATE_DIGITS.search(text):
        return []
    return [Finding("licence_plate", m.start(), m.end()) for m in _PLATE.finditer(text)
            if free_before(text, m.start(), "-")]


def birth_dates(text: str) -> list[Finding]:
    """A date after "født" or "fødselsdato": a person's date of birth."""
    return [Finding("birth_date", m.start(), m.end()) for m in _BIRTH_DATE.finditer(text)
            if free_before(text, m.start(), "")]
