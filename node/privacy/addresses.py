"""Street addresses: a known Danish street name followed by a house number."""

from __future__ import annotations

import re
from collections.abc import Iterator

from node.privacy.findings import Finding, free_before
from node.privacy.wordlists import street_names

# A house number with an optional letter, and the word after it. It must not continue a word or a number
# (`_house_numbers` checks that): a pattern starting with `\b` is tried at every position of the text,
# one starting with a digit lets the regex engine skip ahead to the digits.
_HOUSE_NUMBER = re.compile(r"\d\d{0,2}(?!\d|[.,:]\d)(?: ?[A-Za-z](?!\w))?(?: (\w+))?")
# "Vestergade nr. 12": the word for number may stand between the street and the house number.
_NUMBER_WORD = re.compile(r" (?:nr\.?|nummer) $", re.IGNORECASE)
# Words after a number that make it a count, not a house number ("på Torvet 3 aftener").
_COUNT_WORDS = frozenset(
    "aftener dage gange timer uger måneder år årige unge børn personer drenge piger voksne kr procent "
    "minutter sager anmeldelser tilfælde episoder hændelser grupper skoler elever klasser".split()
)


def addresses(text: str) -> list[Finding]:
    """A street name from the list followed by a house number, not by a count."""
    found = []
    for m in _house_numbers(text):
        # A street name and a space come before a house number (checked here first: most numbers have neither).
        if m.start() == 0 or text[m.start() - 1] != " ":
            continue
        begin = max(0, m.start() - 80)
        before = text[begin:m.start()]
        before = _NUMBER_WORD.sub(" ", before) if _NUMBER_WORD.search(before) else before
        words = before.split()[-4:]
        # Every Danish street name ends in a capitalised word ("Skolevej", "Ved Kirken", "10. Februar Vej").
        if not before.endswith(" ") or not words or not words[-1][0].isupper() or \
                (m[1] and m[1].lower() in _COUNT_WORDS):
            continue
        street = _street_before(words)
        if street:
            found.append(Finding("address", begin + len(before) - len(street) - 1, m.end()))
    return found


def _house_numbers(text: str) -> Iterator[re.Match]:
    """What `\\b` and `_HOUSE_NUMBER.finditer` would find: each match that does not continue a word or a number."""
    at = 0
    while m := _HOUSE_NUMBER.search(text, at):
        if free_before(text, m.start(), "_"):  # what `\b` before a digit asks: no word character before it
            yield m
            at = m.end()
        else:
            at = m.start() + 1  # as finditer from here would have; a match may begin inside the one refused


def _street_before(words: list[str]) -> str | None:
    """The longest run of the last words that is a known street name ("H.C. Andersens Boulevard")."""
    for first in range(len(words)):
        street = " ".join(words[first:])
        if (street[0].isupper() or street[0].isdigit()) and street.casefold() in street_names():
            return street
    return None
