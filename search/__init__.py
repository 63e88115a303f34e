"""Search for Vidensnet, backed by Meilisearch.

Will own the Meilisearch process or connection, the index settings (Danish
synonyms and compound words, facets), the transactional outbox that keeps the
index in step with the database, audience filters inside every query, and the
search API and page. The database stays the source of truth.
"""
