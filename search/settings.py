"""Meilisearch index settings that fit Vidensnet's content, and the Danish domain synonyms."""

from __future__ import annotations

from typing import Any

from node.core.config import DEFAULT_MEILISEARCH_INDEX
from search.danish import query_terms
from search.documents import DOCUMENT_SHAPE

INDEX_UID = DEFAULT_MEILISEARCH_INDEX  # VIDENSNET_MEILISEARCH_INDEX when it is not set
# Node index names never contain "--" (node.core.config), so a twin is never another node's index.
REINDEX_SUFFIX = "--reindex"
# A filterable attribute no document has, naming the shape of the documents the index was filled with: the node's
# scoped key may search but not read settings, and a search filtering on it fails while it is not filterable.
SHAPE_MARKER = f"document_shape_{DOCUMENT_SHAPE}"
FACETS = ("type", "origin", "municipalities", "police_districts", "prevention_level", "target_groups",
          "cooperation", "year")

# Words people use for the same thing; each group becomes mutual synonyms on normalised terms.
SYNONYM_GROUPS = (
    ("ssp", "skole socialforvaltning politi"),
    ("psp", "politi socialforvaltning psykiatri"),
    ("ksp", "kriminalforsorg socialforvaltning politi"),
    ("ssd", "socialforvaltning skole dagtilbud"),
    ("infohus", "info-house", "informationshus"),
    ("udslusning", "løsladelse", "løsladt"),
    ("bekymringssamtale", "bekymringssamtaler", "bekymringsmøde"),
    ("hjemmebesøg", "hjemmebesøgene"),
    ("radikalisering", "ekstremisme"),
    ("knallert", "scooter"),
    ("mentor", "mentorordning"),
    ("natteravne", "natteravnene", "natteravn"),
    ("social pejling", "pejling"),
    ("skolefravær", "fravær"),
)


def reindex_uid(index_uid: str) -> str:
    """The index a reindex of `index_uid` is built in before the swap: the node's one twin index."""
    return index_uid + REINDEX_SUFFIX


def synonyms() -> dict[str, list[str]]:
    """The synonym groups normalised the same way queries are (folded and stemmed)."""
    table: dict[str, list[str]] = {}
    for group in SYNONYM_GROUPS:
        normalised = list(dict.fromkeys(query_terms(term) for term in group))
        for term in normalised:
            table.setdefault(term, [])
            table[term] += [other for other in normalised if other != term and other not in table[term]]
    return {term: others for term, others in table.items() if others}


def index_settings() -> dict[str, Any]:
    """The settings every Vidensnet index gets."""
    return {
        "searchableAttributes": ["title", "summary", "tags", "terms", "municipality_names", "body", "details",
                                 "origin"],
        "filterableAttributes": [*FACETS, "id", "audience_kind", "expires_ts", "tag_keys", SHAPE_MARKER],
        "sortableAttributes": ["published_ts", "year"],
        # Sorting by date ("sort=dato") orders the results that match the most words, before typos and proximity
        # (Meilisearch's default puts it late, where it would only break ties); without a sort it does nothing.
        "rankingRules": ["words", "sort", "typo", "proximity", "attribute", "exactness"],
        "displayedAttributes": ["id", "type", "title", "summary", "origin", "municipalities", "municipality_names",
                                "police_districts", "year", "published_ts"],
        "synonyms": synonyms(),
        "pagination": {"maxTotalHits": 100_000},
        "faceting": {"maxValuesPerFacet": 200, "sortFacetValuesBy": {"*": "count"}},
        "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    }
