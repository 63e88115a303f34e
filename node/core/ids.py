"""The shapes of ids: a node id, and the local part of an item id (`<node-id>:<local-id>`); slugs that make them."""

from __future__ import annotations

import re

NODE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
LOCAL_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")


def slugify(text: str) -> str:
    """A lowercase a-z0-9 slug; Danish letters are spelled out (æ→ae, ø→oe, å→aa)."""
    text = text.lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("é", "e"), ("ü", "u")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
