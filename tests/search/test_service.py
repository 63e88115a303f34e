"""Search as the views use it when Meilisearch does not answer: the database fallback keeps the tag rule."""

from __future__ import annotations

import json

import pytest

from node.items.files import import_items
from node.web.app import create_app
from search.index import SearchIndex
from tests.helpers.nodes import acting_node

ITEMS = [
    {"id": "fravaer", "type": "method", "title": "Indsats mod fravær", "summary": "Tidlig kontakt.",
     "audience": "public", "tags": ["Skolefravær"], "municipalities": ["0751"]},
    {"id": "natteravne", "type": "practice", "title": "Natteravne", "summary": "Aftenture.", "audience": "public",
     "tags": ["Nattevandring"]},
]


@pytest.fixture
def degraded_client(config, sessions):
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(i, ensure_ascii=False) for i in ITEMS])
    return create_app(config, SearchIndex("http://127.0.0.1:9", "key", "nowhere")).test_client()


@pytest.mark.parametrize("spelling", ["Skolefravær", "skolefravær", "SKOLEFRAVÆR", "skolefravaer"])
def test_the_database_fallback_matches_a_tag_regardless_of_case_and_danish_letters(degraded_client, spelling):
    body = degraded_client.get("/api/v1/search", query_string={"q": "", "tag": spelling}).get_json()
    assert body["degraded"] is True
    assert [hit["id"] for hit in body["hits"]] == ["aarhus-kommune:fravaer"]


def test_the_database_fallback_finds_nothing_for_a_tag_no_item_has(degraded_client):
    body = degraded_client.get("/api/v1/search", query_string={"q": "", "tag": "skole"}).get_json()
    assert body["degraded"] is True and body["total"] == 0


@pytest.mark.parametrize("params, expected", [
    ({"municipality": "0751"}, ["fravaer"]),
    ({"type": "practice"}, ["natteravne"]),
    ({"type": "findes-ikke"}, []),
    ({"year": "1999"}, []),
])
def test_the_database_fallback_applies_the_filters_shown_as_chosen(degraded_client, params, expected):
    body = degraded_client.get("/api/v1/search", query_string={"q": "", **params}).get_json()
    assert body["degraded"] is True
    assert [hit["id"].split(":")[1] for hit in body["hits"]] == expected


def test_the_api_answer_is_json_with_danish_letters_as_utf8_and_the_same_value_as_the_standard_decoder_reads(
        degraded_client):
    response = degraded_client.get("/api/v1/search?q=fravær")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Indsats mod fravær".encode() in response.data
    body = json.loads(response.data)
    assert body == response.get_json() and list(body) == ["total", "page", "hits", "facets", "degraded"]
    assert body["hits"][0]["url"].endswith("/items/" + body["hits"][0]["id"])
