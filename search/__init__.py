"""Search for Vidensnet, backed by Meilisearch; the database stays the source of truth.

- `binary`, `process`, `runtime`: finding, starting and watching Meilisearch (or using a
  configured server), and the scheduler's `run_cycle` that drains the outbox.
- `keys`: the node's Meilisearch key, scoped to its own index, made with the master key; and
  `scoped_index`, the index as a process that only searches finds it.
- `models`, `outbox`: the transactional outbox, filled in the same transaction as each item change.
- `indexer`, `index`, `documents`, `settings`: draining the outbox and rebuilding the index;
  the HTTP client; items as documents; index settings and Danish synonyms.
- `danish`: æ/ø/å folding, stemming and compound splitting for documents and queries.
- `query`, `service`: searching as a viewer, with audience filters inside Meilisearch, and a
  database fallback when Meilisearch is down.
- `filters`: the page's facets and active-filter chips in people's words (type names, municipality and node names).
- `views`, `commands`: the search API and page, and `vidensnet reindex`.

It builds on the web plumbing (`node.web.request`, `node.web.errors`), `node.items` and the
layers below (docs/architecture.md), and never imports `federation`.
"""
