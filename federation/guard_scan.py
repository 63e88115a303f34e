"""The anonymisation guard's first scan of received items, run in the verify helper process beside the signatures.

The guard (node/privacy/guard.py) begins with one scan over all of an item's text,
and almost every item is clean. That scan is the largest single cost of storing a
received item, in the process that holds the GIL through a pull, while the verify
helper (federation/verifier.py) idles much of the time. So the helper also scans
the text of each item whose signature verified, read from the signed payload the
way validate_item reads it, and answers which texts it found clean. The storing
process skips its own first scan only for exactly the same text at the same
strictness: a text read differently here, a helper that died or anything a peer
tries leaves the scan to the storing process, as before.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import orjson

from federation.wire import ITEM
from node.items.vocabulary import BODY_MAX, DETAILS, SUMMARY_MAX, TITLE_MAX
from node.privacy.guard import OVERRIDE_KEY, Scanned, scanned_text
from node.privacy.personal_data import find_personal_data


def clean_texts(signed: Iterable[bytes]) -> frozenset[Scanned]:
    """The (strict, text) of each item among these signed payloads whose text the guard's first scan finds clean."""
    clean = set()
    for message in signed:
        scanned = guard_input(message)
        if scanned is not None and not find_personal_data(scanned[1], scanned[0]):
            clean.add(scanned)
    return frozenset(clean)


def load_word_lists() -> None:
    """Read the guard's word lists (first names, surnames, streets, places) now, so that the first scan does not."""
    # A first name and a surname next to a street and a house number: every list is looked into.
    find_personal_data("Anne Hansen bor på Vestergade 12.", True)


def guard_input(signed: bytes) -> Scanned | None:
    """What the guard's first scan would read for the item a signed payload carries; None where it scans nothing."""
    try:
        payload = orjson.loads(signed)
        content = payload["content"] if payload.get("type") == ITEM else None
        details = content.get("details") or {}
        strict = content.get("type") == "bulletin"
        if not strict and details.get(OVERRIDE_KEY):
            return None  # the guard lets an origin's recorded override through without a scan
        item = SimpleNamespace(title=_normal(content.get("title")), summary=_normal(content.get("summary")),
                               body=_normal(content.get("body")), tags=_normal(content.get("tags") or []),
                               details=_details(content["type"], details))
        if _oversized(item):
            return None  # validate_item refuses it before any scan: scanning it here would only cost time
        return strict, scanned_text(item)
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return None  # not an item validate_item would take either


def _oversized(item: SimpleNamespace) -> bool:
    return any(isinstance(text, str) and len(text) > limit
               for text, limit in ((item.title, TITLE_MAX), (item.summary, SUMMARY_MAX), (item.body, BODY_MAX)))


def _details(item_type: str, details: dict[str, Any]) -> dict[str, Any]:
    # Validated details are in the order of the type's fields and leave out empty values; the signed
    # payload has its keys sorted. Any other difference gives another text, which is scanned again.
    return {spec.key: _normal(details[spec.key]) for spec in DETAILS[item_type]
            if details.get(spec.key) not in (None, "", [])}


def _normal(value: Any) -> Any:
    # validate_item's texts are NFC with the ends stripped, and its lists drop repeats.
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, list):
        members = []
        for member in (_normal(m) for m in value):
            if member not in members:
                members.append(member)
        return members
    if isinstance(value, dict):
        return {key: _normal(member) for key, member in value.items()}
    return value
