"""Finding personal data in free text: CPR numbers, phone numbers, e-mail, licence plates, addresses, names.

Pure functions. A finding says what kind of data was found and where, never
the value, so callers can refuse text without repeating it in a message or a
log. The detectors are tuned to stay quiet on what bulletins and practice
write-ups legitimately contain: years and periods, dates, clock times, ages of
groups ("13-15-årige"), counts, short service numbers (112, 114), municipality
codes, school names without a child, and places named after a person.
The detectors live in sibling modules by kind: `numbers`, `addresses`, `names`.
"""

from __future__ import annotations

import re

from node.core.translation import N_
from node.privacy.addresses import addresses
from node.privacy.findings import Finding
from node.privacy.names import full_names, initials, inside_place, named_with_age, named_with_school, nicknames
from node.privacy.numbers import birth_dates, cpr_numbers, licence_plates, phone_numbers
from node.privacy.wordlists import ROLE_MAILBOXES, first_names, street_names, surnames

__all__ = ["KIND_LABELS", "Finding", "find_personal_data", "first_names", "is_role_mailbox", "street_names",
           "surnames"]

# Each kind with its Danish indefinite article (the guard's message picks its pronoun by it); translated where shown.
KIND_LABELS = {
    "cpr": N_("et CPR-nummer"),
    "phone": N_("et telefonnummer"),
    "email": N_("en e-mailadresse"),
    "licence_plate": N_("en nummerplade"),
    "address": N_("en adresse"),
    "birth_date": N_("en fødselsdato"),
    "name": N_("et personnavn"),
    "nickname": N_("et kaldenavn"),
    "first_name_school": N_("et fornavn med skole eller klasse"),
}
# Kinds a place named after a person can be mistaken for.
_NAME_KINDS = frozenset({"name", "nickname", "first_name_school"})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGIT = re.compile(r"\d")


def find_personal_data(text: str, strict: bool = False) -> list[Finding]:
    """All personal data in `text`, in order; `strict` (bulletins) also flags a first name with an age or school."""
    findings = [*full_names(text), *initials(text), *nicknames(text)]
    if "@" in text:
        findings += [Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    if _DIGIT.search(text):
        findings += [*cpr_numbers(text), *phone_numbers(text), *licence_plates(text), *addresses(text),
                     *birth_dates(text)]
    if strict:
        findings += [*named_with_age(text), *named_with_school(text)]
    findings = [f for f in findings if f.kind not in _NAME_KINDS or not inside_place(text, f)]
    return sorted(set(findings), key=lambda f: (f.start, f.kind))


def is_role_mailbox(address: str) -> bool:
    """True for a shared mailbox of a function ("ssp@", "info@", "ssp.randers@"), not of a person."""
    parts = [p for p in re.split(r"[.\-_+]", re.sub(r"\d", "", address.split("@")[0].casefold())) if p]
    return bool(parts) and parts[0] in ROLE_MAILBOXES and \
        not any(p in first_names() or p in surnames() for p in parts[1:])
