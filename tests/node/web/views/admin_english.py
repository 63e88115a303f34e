"""Reading admin pages in English in the tests."""

from __future__ import annotations


def in_english(client):
    """The client, having seen the login's own message, now reading pages in English."""
    client.get("/")
    client.set_cookie("sprog", "en")
    return client
