"""Relevance of the node's search on the consultant set, next to raw Meilisearch on the same items.

    .venv/bin/python bench/search_relevance.py     # about a minute

The consultant corpus (tests/search/data) is imported into a fresh node and indexed as the node indexes it;
the same items go, as plain JSON documents, into a second index with Meilisearch's default settings, searched
with the query as typed (raw Meilisearch). For each kind of query: recall@5 and MRR (tests/helpers/relevance.py).
Then what the choices in search.query and search.settings are measured against, on the node's index:
Meilisearch's three matching strategies per shape of query, the query without stop and question words left out,
and the ranking rules with `attribute` before `typo` and `proximity` instead of after.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from _common import machine, table  # (also puts the repository on sys.path)

from search.danish import query_terms
from search.index import SearchIndex
from search.process import ManagedMeilisearch
from search.query import MATCHING_STRATEGIES, SearchRequest, query_shape, search_options
from search.settings import index_settings
from tests.helpers.relevance import RANKS, by_kind, corpus_lines, judged_queries, measure, node_index, node_ranking

RAW_FIELDS = ("title", "summary", "body", "tags", "target_groups", "cooperation")


def raw_index(server: ManagedMeilisearch) -> SearchIndex:
    """The corpus as plain documents in an index with Meilisearch's default settings."""
    index = SearchIndex(server.url, server.master_key, "raw_consultants")
    index.wait(index.call("POST", "/indexes", {"uid": index.uid, "primaryKey": "key"}))
    documents = [{"key": item["id"], "id": item["id"], **{f: item.get(f) for f in RAW_FIELDS}}
                 for item in map(json.loads, corpus_lines())]
    index.put(documents)
    return index


def raw_ranking(index: SearchIndex):
    return lambda q: [hit["id"] for hit in index.search(q, {"limit": RANKS})["hits"]]


def with_stop_words(index: SearchIndex):
    """The node's search, but every word of the query sent, stop and question words too."""
    def ranked(query: str) -> list[str]:
        request = SearchRequest(query)
        options = {**search_options(request, logged_in=True), "hitsPerPage": RANKS}
        return [hit["id"].split(":", 1)[1] for hit in index.search(query_terms(query), options)["hits"]]
    return ranked


def cell(m) -> str:
    return f"{m.recall_at_5:.2f} / {m.mrr:.2f}"


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="vidensnet-bench-relevance-"))
    server = ManagedMeilisearch(root / "meilisearch", "bench-master-key-" + "x" * 16)
    server.start()
    try:
        queries = judged_queries()
        node = node_index(root / "node", server.url, server.master_key, "node_consultants")
        raw = raw_index(server)
        print(f"## Search relevance ({machine()}; {len(corpus_lines())} items, {len(queries)} queries)\n")
        node_measures, raw_measures = by_kind(node_ranking(node), queries), by_kind(raw_ranking(raw), queries)
        rows = [[kind, str(m.n), cell(m), cell(raw_measures[kind])] for kind, m in node_measures.items()]
        print(table(["kind", "queries", "node recall@5 / MRR", "raw Meilisearch recall@5 / MRR"], rows) + "\n")
        shapes = sorted({query_shape(q.query) for q in queries})
        rows = []
        for shape in shapes:
            asked = [q for q in queries if query_shape(q.query) == shape]
            rows.append([f"{shape} ({len(asked)})", *(cell(measure(node_ranking(node, matchingStrategy=s), asked))
                                                    for s in ("last", "all", "frequency")),
                         MATCHING_STRATEGIES[shape]])
        print(table(["shape of query", "last", "all", "frequency", "chosen"], rows) + "\n")
        print(table(["variant", "recall@5 / MRR"], [
            ["the node as it is", cell(node_measures["all"])],
            ["stop and question words sent too", cell(measure(with_stop_words(node), queries))],
            *_ranking_variants(node, queries)]) + "\n")
        for kind, m in node_measures.items():
            if kind != "all" and m.misses:
                print(f"- node misses ({kind}): {list(m.misses)}")
    finally:
        server.stop()


def _ranking_variants(index: SearchIndex, queries) -> list[list[str]]:
    rules = index_settings()["rankingRules"]
    moved = ["words", "sort", "attribute", "typo", "proximity", "exactness"]
    rows = []
    for name, variant in (("ranking rules: attribute before typo and proximity", moved),):
        index.wait(index.call("PATCH", f"/indexes/{index.uid}/settings", {"rankingRules": variant}))
        rows.append([name, cell(measure(node_ranking(index), queries))])
    index.wait(index.call("PATCH", f"/indexes/{index.uid}/settings", {"rankingRules": rules}))
    return rows


if __name__ == "__main__":
    main()
