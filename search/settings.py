"""Meilisearch index settings that fit Vidensnet's content (the words themselves are in search.vocabulary)."""

from __future__ import annotations

from typing import Any

from node.core.config import DEFAULT_MEILISEARCH_INDEX
from search.documents import DOCUMENT_SHAPE
from search.vocabulary import index_stop_words, synonyms

INDEX_UID = DEFAULT_MEILISEARCH_INDEX  # VIDENSNET_MEILISEARCH_INDEX when it is not set
# Node index names never contain "--" (node.core.config), so a twin is never another node's index.
REINDEX_SUFFIX = "--reindex"
# A filterable attribute no document has, naming the shape of the documents the index was filled with: the node's
# scoped key may search but not read settings, and a search filtering on it fails while it is not filterable.
SHAPE_MARKER = f"document_shape_{DOCUMENT_SHAPE}"
FACETS = ("type", "origin", "municipalities", "police_districts", "prevention_level", "target_groups",
          "cooperation", "year")


def reindex_uid(index_uid: str) -> str:
    """The index a reindex of `index_uid` is built in before the swap: the node's one twin index."""
    return index_uid + REINDEX_SUFFIX


def index_settings() -> dict[str, Any]:
    """The settings every Vidensnet index gets."""
    return {
        # An item is about what its title and tags say: a query matching them (title_terms: normalised as the
        # query is) ranks above one that matches the body only, through the `attribute` rule.
        "searchableAttributes": ["title_terms", "title", "summary", "tags", "terms", "municipality_names", "body",
                                 "details", "origin"],
        "filterableAttributes": [*FACETS, "id", "audience_kind", "expires_ts", "tag_keys", SHAPE_MARKER],
        "sortableAttributes": ["published_ts", "year"],
        # Sorting by date ("sort=dato") orders the results that match the most words, before typos and proximity
        # (Meilisearch's default puts it late, where it would only break ties); without a sort it does nothing.
        "rankingRules": ["words", "sort", "typo", "proximity", "attribute", "exactness"],
        "displayedAttributes": ["id", "type", "title", "summary", "origin", "municipalities", "municipality_names",
                                "police_districts", "year", "published_ts"],
        "synonyms": synonyms(),
        "stopWords": index_stop_words(),
        "pagination": {"maxTotalHits": 100_000},
        "faceting": {"maxValuesPerFacet": 200, "sortFacetValuesBy": {"*": "count"}},
        "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    }
