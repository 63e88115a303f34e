"""The consultant relevance set's data: large enough, every judged answer an item of the corpus, every kind asked."""

from __future__ import annotations

import json
from collections import Counter

from tests.helpers.relevance import corpus_lines, judged_queries

MINIMUM_PER_KIND = {"question": 12, "range": 5, "section": 5, "code": 4, "abbreviation": 8, "other-name": 5,
                    "word": 4, "inflection": 4, "compound": 4, "typo": 4, "spelling": 4}


def test_the_corpus_has_at_least_fifty_items_with_unique_ids():
    ids = [json.loads(line)["id"] for line in corpus_lines()]
    assert len(ids) >= 50 and len(ids) == len(set(ids))


def test_there_are_at_least_sixty_distinct_queries():
    queries = [judged.query for judged in judged_queries()]
    assert len(queries) >= 60 and len(queries) == len(set(queries))


def test_every_judged_answer_is_an_item_of_the_corpus():
    ids = {json.loads(line)["id"] for line in corpus_lines()}
    assert [(j.query, r) for j in judged_queries() for r in j.relevant if r not in ids] == []


def test_every_kind_of_query_is_asked_often_enough():
    asked = Counter(judged.kind for judged in judged_queries())
    assert {kind: asked[kind] for kind in MINIMUM_PER_KIND if asked[kind] < MINIMUM_PER_KIND[kind]} == {}
