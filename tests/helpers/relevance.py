"""The consultant relevance set: a corpus written for the project, queries with judged answers, and the measures.

Used by tests/search/test_relevance.py (which enforces the thresholds) and bench/search_relevance.py (which prints
the node next to raw Meilisearch on the same items, per kind of query, for docs/search.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.core.config import NodeSettings, load_config, write_settings
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.items.files import import_items
from search.index import SearchIndex
from search.indexer import drain_outbox
from search.query import SearchRequest, meilisearch_query, search_options
from tests.helpers.nodes import acting_node

DATA = Path(__file__).resolve().parents[1] / "search" / "data"
CORPUS = DATA / "consultant_corpus.jsonl"
QUERIES = DATA / "consultant_queries.json"
RANKS = 10  # the reciprocal rank counts an answer found in the first ten, as a results page shows them


@dataclass(frozen=True)
class Judged:
    """One query, the local ids of the items that answer it (best first), and the kind of query it is."""

    query: str
    relevant: tuple[str, ...]
    kind: str


def judged_queries() -> list[Judged]:
    """The relevance set's queries."""
    return [Judged(q["query"], tuple(q["relevant"]), q["kind"]) for q in json.loads(QUERIES.read_text("utf-8"))]


def corpus_lines() -> list[str]:
    """The corpus as import lines."""
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def node_index(home: Path, meilisearch_url: str, master_key: str, uid: str) -> SearchIndex:
    """The corpus imported into a fresh node in `home` and indexed as the node indexes it, in index `uid`."""
    write_settings(home, NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://x", "0751"))
    url = load_config(home).database_url
    upgrade_database(url)
    sessions = make_sessionmaker(make_engine(url))
    with sessions.begin() as session:
        import_items(session, acting_node(), corpus_lines())
    index = SearchIndex(meilisearch_url, master_key, uid)
    index.ensure()
    drain_outbox(sessions, index)
    return index


def node_ranking(index: SearchIndex, **overrides: Any) -> Callable[[str], list[str]]:
    """The local ids the node's search ranks first for a query (a logged-in reader), with optional overrides."""
    def ranked(query: str) -> list[str]:
        request = SearchRequest(query)
        options = {**search_options(request, logged_in=True), "hitsPerPage": RANKS, **overrides}
        hits = index.search(meilisearch_query(request), options)["hits"]
        return [hit["id"].split(":", 1)[1] for hit in hits]
    return ranked


@dataclass(frozen=True)
class Measures:
    """Recall at five (a relevant item among the first five) and the mean reciprocal rank, over n queries."""

    recall_at_5: float
    mrr: float
    n: int
    misses: tuple[tuple[str, tuple[str, ...]], ...] = ()


def measure(ranked: Callable[[str], list[str]], queries: list[Judged]) -> Measures:
    """The measures of a ranking over some queries; a miss keeps the query and what was ranked instead."""
    found, reciprocal, misses = 0, 0.0, []
    for judged in queries:
        ranks = ranked(judged.query)
        first = next((rank for rank, item in enumerate(ranks, 1) if item in judged.relevant), None)
        found += first is not None and first <= 5
        reciprocal += 1 / first if first else 0.0
        if first is None or first > 5:
            misses.append((judged.query, tuple(ranks[:5])))
    return Measures(found / len(queries), reciprocal / len(queries), len(queries), tuple(misses))


def by_kind(ranked: Callable[[str], list[str]], queries: list[Judged]) -> dict[str, Measures]:
    """The measures per kind of query, and over all of them ("all")."""
    kinds = sorted({q.kind for q in queries})
    return {**{kind: measure(ranked, [q for q in queries if q.kind == kind]) for kind in kinds},
            "all": measure(ranked, queries)}
