"""Checking an admin page shown in English: the Danish words left on it that this area of the interface owns."""

from __future__ import annotations

import re

from tests.helpers.danish_text import danish_leftovers

# Text on the admin pages that other parts of the interface give and translate (the `label` filter's states and
# kinds, key sources from node.web.labels, the reason macro's summary in templates/_macros.html, the field labels
# of node.items.vocabulary, the login's message).
OTHER_PARTS_TEXT = frozenset({
    "Kladde", "Udgivet", "Tilbagetrukket", "Udløbet", "Afventer godkendelse", "Godkendt", "På pause",
    "Venter efter fejl", "Blokeret", "Teknisk årsag", "Kommune", "Politikreds / Infohus", "National aktør",
    "Godkendt direkte som peer", "Tillidsanker sat op på denne node", "Venter på hentning", "Henter nu", "Aktiv",
})
OTHER_PARTS_START = ("Anbefalet af ",)  # node.web.labels.key_source, followed by names
TITLE = re.compile(r"<title>.*?</title>", re.S)


def english_leftovers(page: str) -> list[str]:
    """This area's Danish words left on an English page; the head's <title> holds plain text only, so a node's
    name there cannot be marked as Danish, and is left out."""
    return [text for text in danish_leftovers(TITLE.sub("", page, count=1))
            if text not in OTHER_PARTS_TEXT and not text.startswith(OTHER_PARTS_START)]


def in_english(client):
    """The client, having seen the login's own message, now reading pages in English."""
    client.get("/")
    client.set_cookie("sprog", "en")
    return client
