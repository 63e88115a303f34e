"""The anonymisation guard on whole items: which fields hold personal data, and whether a publisher overrode it.

`validate_item` runs it, so it covers every way in: forms, the API, import and
items arriving from peers. Bulletins get the strict detectors and can never be
overridden; other types may carry a publisher's recorded reason in their
details, which is signed and travels with the item.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from node.core.translation import gettext as _
from node.privacy.personal_data import KIND_LABELS, find_personal_data, is_role_mailbox

if TYPE_CHECKING:
    from node.items.schema import ItemContent

OVERRIDE_KEY = "personal_data_override"
# Fields that ask for a function's shared mailbox, where "ssp@randers.dk" is what belongs there.
ROLE_MAILBOX_FIELDS = frozenset({"details.contact"})

# What the guard's first scan reads: whether it is strict (a bulletin) and all of the item's text in one.
Scanned = tuple[bool, str]


def guard_errors(content: ItemContent, known_clean: Collection[Scanned] = ()) -> dict[str, str]:
    """One message per field that holds personal data, naming the kinds found but never the values.

    `known_clean` holds what another process's scan found clean (federation/guard_scan.py): the
    first scan is skipped only when exactly this text, at this strictness, is among them.
    """
    if content.type != "bulletin" and content.details.get(OVERRIDE_KEY):
        return {}
    strict = content.type == "bulletin"
    # One scan over all the text first: almost every item is clean, and one long scan costs far less
    # than one per field.
    whole = scanned_text(content)
    if (strict, whole) in known_clean or not find_personal_data(whole, strict):
        return {}
    found: dict[str, set[str]] = {}
    # A field that failed validation is None; its own error is already recorded.
    for field, text in ((field, text) for field, text in item_texts(content) if text):
        found.setdefault(field, set()).update(field_kinds(field, text, strict))
    return {field: found_message([label for kind, label in KIND_LABELS.items() if kind in kinds])
            for field, kinds in found.items() if kinds}


def found_message(labels: list[str]) -> str:
    """The message for the kinds found in one field (Danish labels), the pronoun agreeing with them: den, det or dem."""
    if len(labels) > 1:
        return _("indeholder %(kinds)s og %(last)s; fjern dem (oplysningerne gentages ikke her)",
                 kinds=", ".join(_(label) for label in labels[:-1]), last=_(labels[-1]))
    if labels[0].startswith("en "):
        return _("indeholder %(kind)s; fjern den (oplysningen gentages ikke her)", kind=_(labels[0]))
    return _("indeholder %(kind)s; fjern det (oplysningen gentages ikke her)", kind=_(labels[0]))


def field_kinds(field: str, text: str, strict: bool) -> set[str]:
    """The kinds of personal data in one field's text, allowing a role mailbox where the field asks for one."""
    findings = find_personal_data(text, strict)
    if field in ROLE_MAILBOX_FIELDS:
        findings = [f for f in findings if f.kind != "email" or not is_role_mailbox(text[f.start:f.end])]
    return {f.kind for f in findings}


def scanned_text(content: ItemContent) -> str:
    """All of an item's free text as the guard's first scan reads it: its fields' texts, blank lines between."""
    # The blank lines keep a match from running from one field into the next.
    return "\n\n".join(text for _, text in item_texts(content) if text)


def item_texts(content: ItemContent) -> Iterator[tuple[str, str]]:
    """Every free text of an item with the name of its field: title, summary, body, tags and details."""
    yield "title", content.title
    yield "summary", content.summary
    yield "body", content.body
    for tag in content.tags:
        yield "tags", tag
    for key, value in content.details.items():
        for text in _strings(value):
            yield f"details.{key}", text


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for member in value:
            yield from _strings(member)
    elif isinstance(value, dict):
        # Observations carry a label, links a title; URLs and counts are not free text.
        yield from _strings(value.get("label") or value.get("title"))
