"""Items as Meilisearch documents: a safe primary key, the searchable text and the facet fields."""

from __future__ import annotations

from typing import Any

from node.core.geography import municipality_name
from node.core.models import Item
from node.items.tags import tag_key
from node.items.vocabulary import DETAILS
from search.danish import search_terms

# The shape of the documents built here; a change of what they hold bumps it, and the worker then queues every
# item for indexing again (search.runtime), so an upgraded node never searches documents of an older shape.
DOCUMENT_SHAPE = 4  # 3: terms stemmed by Snowball's Danish stemmer; 4: title_terms, ranges and §§ spelled out


def document_key(item_id: str) -> str:
    """A Meilisearch primary key for an item id (`node:local` → `node_local`).

    Ids use only a-z, 0-9 and '-' around one ':', so swapping ':' for '_' is safe
    and unique; Meilisearch keys allow letters, digits, '-' and '_' only.
    """
    return item_id.replace(":", "_")


def _details_text(item: Item) -> str:
    parts: list[str] = []
    for spec in DETAILS[item.type]:
        value = item.details.get(spec.key)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            # Only the text of structured values: a bulletin's counts are never searchable or shown in snippets.
            parts += [v if isinstance(v, str) else " ".join(x for x in v.values() if isinstance(x, str)) for v in value
                      if isinstance(v, (str, dict))]
    return "\n".join(parts)


def _facts_text(item: Item) -> str:
    # Facts a person searches for in their own words: "18-25", "SSP+", "0751" or "Aarhus".
    names = [municipality_name(code) for code in item.municipalities]
    return " ".join([*item.target_groups, *item.cooperation, item.prevention_level or "", *item.municipalities,
                     *names, *item.police_districts])


def to_document(item: Item) -> dict[str, Any]:
    """The search document of one readable item."""
    audience = item.audience if isinstance(item.audience, dict) else {}
    # The facts come before the body: Meilisearch ranks a word found early in an attribute higher, and a target
    # group or a municipality describes the whole item, not a place far into its body.
    text = " ".join([item.title, item.summary, " ".join(item.tags), _facts_text(item), item.body, _details_text(item)])
    published = item.published_at or item.updated_at
    return {
        "key": document_key(item.id),
        "id": item.id,
        "type": item.type,
        "title": item.title,
        "summary": item.summary,
        "tags": item.tags,
        "tag_keys": [tag_key(tag) for tag in item.tags],
        "body": item.body,
        "details": _details_text(item),
        "terms": " ".join(search_terms(text)),
        "title_terms": " ".join(search_terms(item.title + " " + " ".join(item.tags))),
        "origin": item.origin,
        "municipalities": item.municipalities,
        "municipality_names": [municipality_name(code) for code in item.municipalities],
        "police_districts": item.police_districts,
        "prevention_level": item.prevention_level,
        "target_groups": item.target_groups,
        "cooperation": item.cooperation,
        "year": published.year,
        "published_ts": int(published.timestamp()),
        "expires_ts": int(item.expires_at.timestamp()) if item.expires_at else 0,
        "audience_kind": item.audience_kind,
        "audience_districts": audience.get("districts", []),
        "audience_nodes": audience.get("nodes", []),
    }
