"""Items as JSON: the one shape used by the API, export and the federation's signed item payloads."""

from __future__ import annotations

from typing import Any

from node.core.models import Item
from node.items.rendering import render_markdown
from node.items.schema import format_datetime
from node.items.vocabulary import LIST_FIELDS
from node.privacy.small_counts import suppress_observations


def shown_details(details: dict[str, Any], count_threshold: int) -> dict[str, Any]:
    """Details as readers see them: small counts in bulletin observations suppressed with this node's threshold."""
    if not details.get("observations"):
        return details
    return {**details, "observations": suppress_observations(details["observations"], count_threshold)}


def item_to_json(item: Item, url: str | None = None, count_threshold: int | None = None) -> dict[str, Any]:
    """The item in the public item format, read-only fields included; with a URL, as the API shows it.

    With a count threshold, small counts are suppressed again with it (a peer may use a lower one).
    """
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
        "details": item.details if count_threshold is None else shown_details(item.details, count_threshold),
        "origin": item.origin,
        "version": item.version,
        "status": item.status,
        "created_at": format_datetime(item.created_at),
        "updated_at": format_datetime(item.updated_at),
        "published_at": format_datetime(item.published_at),
    }
    if item.approval:
        data["approval"] = {"kind": item.approval, "at": format_datetime(item.approved_at),
                            "by": item.approved_by.username if item.approved_by else None,
                            "authors": item.approved_authors}
    if url is not None:
        # API readers get the page link and the body rendered as sanitised HTML.
        data["url"] = url
        data["body_html"] = str(render_markdown(item.body))
        if item.status == "draft" and item.return_reason:
            # The author's note from the publisher who sent the bulletin back; drafts never leave the node.
            data["returned"] = {"reason": item.return_reason, "at": format_datetime(item.returned_at),
                                "by": item.returned_by.username if item.returned_by else None}
    return data
