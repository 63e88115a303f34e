"""Items as JSON: the one shape used by the API, export and (later) federation bodies."""

from __future__ import annotations

from typing import Any

from node.item_schema import LIST_FIELDS, format_datetime
from node.models import Item
from node.rendering import render_markdown


def item_to_json(item: Item, url: str | None = None) -> dict[str, Any]:
    """The item in the public item format, read-only fields included; with a URL, as the API shows it."""
    data: dict[str, Any] = {
        "id": item.id,
        "type": item.type,
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "audience": item.audience,
        **{name: list(getattr(item, name)) for name in LIST_FIELDS},
        "prevention_level": item.prevention_level,
        "expires_at": format_datetime(item.expires_at),
        "details": item.details,
        "origin": item.origin,
        "version": item.version,
        "status": item.status,
        "created_at": format_datetime(item.created_at),
        "updated_at": format_datetime(item.updated_at),
        "published_at": format_datetime(item.published_at),
    }
    if url is not None:
        # API readers get the page link and the body rendered as sanitised HTML.
        data["url"] = url
        data["body_html"] = str(render_markdown(item.body))
    return data
