"""Search against a real Meilisearch: audience filters with right counts, Danish queries, outbox, reindex."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from node.accounts.users import create_api_token
from node.core.models import Item, User
from node.items.files import import_items
from node.items.publishing import retract
from node.web.app import create_app
from search.index import SearchIndex, SearchUnavailable
from search.indexer import drain_outbox, queued_count, reindex
from search.keys import stored_scoped_key
from search.models import IndexTask
from search.settings import reindex_uid
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import acting_node
from tests.helpers.web import login

ITEMS = [
    {"id": "skolefravaer", "type": "method", "title": "Indsats mod skolefravær",
     "summary": "Tidlig kontakt til hjemmet, når en elev udebliver.", "audience": "public",
     "municipalities": ["0751"], "cooperation": ["SSP"]},
    {"id": "knallert", "type": "practice", "title": "Knallerttyveri i Aarhus Vest",
     "summary": "Et fælles forløb med politiet mod knallerttyveri.", "audience": "network",
     "municipalities": ["0751"], "cooperation": ["SSP", "PSP"]},
    {"id": "kreds", "type": "bulletin", "title": "Tendens: unge grupper i Østjylland",
     "summary": "Kriminalitetsforebyggende indsats anbefales.", "police_districts": ["Østjyllands Politi"],
     "cooperation": ["SSP"]},
    {"id": "udslusning", "type": "method", "title": "Udslusning efter afsoning",
     "summary": "KSP-samarbejdet forbereder den unges hverdag.", "audience": "public",
     "municipalities": ["0730"], "cooperation": ["KSP"]},
    {"id": "xss", "type": "guidance", "title": "<script>alert(1)</script> vejledning",
     "summary": "Om <b>fed</b> skrift.", "audience": "public"},
]


@pytest.fixture
def indexed(sessions, search_index):
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(i, ensure_ascii=False) for i in ITEMS])
    drain_outbox(sessions, search_index)
    return search_index


@pytest.fixture
def client_with_search(config, indexed):
    return create_app(config, indexed).test_client()


def found(client, query: str, **params) -> list[str]:
    body = client.get("/api/v1/search", query_string={"q": query, **params}).get_json()
    assert body["degraded"] is False
    return [hit["id"].split(":")[1] for hit in body["hits"]]


def test_anonymous_search_sees_only_public_items_and_counts_only_them(client_with_search):
    body = client_with_search.get("/api/v1/search?q=").get_json()
    assert body["total"] == 3
    assert sorted(h["id"].split(":")[1] for h in body["hits"]) == ["skolefravaer", "udslusning", "xss"]
    assert body["facets"]["cooperation"] == {"SSP": 1, "KSP": 1}
    assert "practice" not in body["facets"]["type"] and "bulletin" not in body["facets"]["type"]


def test_logged_in_user_finds_network_and_district_items_too(client_with_search, users):
    login(client_with_search, "reader")
    body = client_with_search.get("/api/v1/search?q=").get_json()
    assert body["total"] == 5
    assert body["facets"]["cooperation"]["SSP"] == 3


def test_api_token_reader_finds_what_the_node_holds_for_them_and_a_bad_token_is_401(
        client_with_search, sessions, users):
    with sessions.begin() as session:
        token = create_api_token(session, session.scalar(select(User).where(User.username == "reader")), "test")
    body = client_with_search.get("/api/v1/search?q=", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["total"] == 5
    bad_token = {"Authorization": "Bearer vn_forkert"}
    assert client_with_search.get("/api/v1/search?q=", headers=bad_token).status_code == 401


@pytest.mark.parametrize("query, expected", [
    ("fravær", "skolefravaer"),
    ("skolefravær", "skolefravaer"),
    ("tyveri", "knallert"),
    ("forebyggelse", "kreds"),
    ("løsladelse", "udslusning"),
    ("Århus", "knallert"),
])
def test_danish_queries_find_compounds_inflections_synonyms_and_spellings(client_with_search, users, query, expected):
    login(client_with_search, "reader")
    assert expected in found(client_with_search, query)[:5]


def test_facet_filter_narrows_results_and_counts(client_with_search):
    body = client_with_search.get("/api/v1/search?q=&cooperation=KSP").get_json()
    assert [h["id"] for h in body["hits"]] == ["aarhus-kommune:udslusning"]
    assert body["facets"]["cooperation"] == {"KSP": 1}


def test_highlights_are_escaped_except_for_the_marks(client_with_search):
    [hit] = client_with_search.get("/api/v1/search?q=vejledning").get_json()["hits"]
    assert "<script>" not in hit["highlight"]["title"]
    assert "&lt;script&gt;" in hit["highlight"]["title"] and "<mark>" in hit["highlight"]["title"]
    page = client_with_search.get("/sog?q=vejledning").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_search_page_works_without_javascript_and_shows_facets(client_with_search):
    page = client_with_search.get("/sog?q=fravær").get_data(as_text=True)
    assert "Indsats mod <mark>" in page or "Indsats mod skolefravær" in page
    assert "Samarbejde" in page and "SSP (1)" in re.sub(r"<[^>]+>", "", page)  # the name is in a lang="da" span
    assert "<script" not in page


def test_retraction_leaves_the_index_after_the_outbox_drains(sessions, client_with_search, indexed):
    with sessions.begin() as session:
        retract(session, session.get(Item, "aarhus-kommune:udslusning"), acting_node())
    drain_outbox(sessions, indexed)
    assert "udslusning" not in found(client_with_search, "udslusning")


def test_outbox_keeps_updates_while_meilisearch_is_down_and_applies_them_after(
        sessions, meilisearch_server, search_index):
    meilisearch_server.stop()
    try:
        with sessions.begin() as session:
            import_items(session, acting_node(), [json.dumps(ITEMS[0], ensure_ascii=False)])
        with pytest.raises(SearchUnavailable):
            drain_outbox(sessions, search_index)
        with sessions() as session:
            assert queued_count(session) == 1
            assert session.scalar(select(IndexTask.attempts)) == 1
    finally:
        meilisearch_server.start()
    assert drain_outbox(sessions, search_index) == 1
    hits = search_index.search("fravaer", {"filter": 'audience_kind = "public"'})["hits"]
    assert [h["id"] for h in hits] == ["aarhus-kommune:skolefravaer"]


class RefusingSecondBatch(SearchIndex):
    """The test index, but the second batch sent carries a document key Meilisearch refuses (its task fails)."""

    sent = 0

    def send(self, documents, uid=None):
        self.sent += 1
        if self.sent == 2:
            documents = [{**documents[0], "key": "not/a/valid/key"}, *documents[1:]]
        return super().send(documents, uid)


def test_a_refused_batch_stays_queued_while_the_batches_in_flight_around_it_are_done(sessions, search_index):
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(i, ensure_ascii=False) for i in ITEMS])
    refusing = RefusingSecondBatch(search_index.url, search_index.api_key, search_index.uid)
    with pytest.raises(SearchUnavailable, match="invalid_document_id"):
        drain_outbox(sessions, refusing, batch=2, in_flight=3)  # all three batches sent before any is confirmed
    with sessions() as session:
        queued = session.execute(select(IndexTask.item_id, IndexTask.attempts)
                                 .where(IndexTask.state == "queued").order_by(IndexTask.id)).all()
    assert queued == [("aarhus-kommune:kreds", 1), ("aarhus-kommune:udslusning", 1)]  # the second batch only
    assert sorted(h["id"] for h in search_index.search("", {})["hits"]) == [
        "aarhus-kommune:knallert", "aarhus-kommune:skolefravaer", "aarhus-kommune:xss"]
    assert drain_outbox(sessions, search_index) == 2
    assert search_index.search("", {})["estimatedTotalHits"] == 5


def test_reindex_builds_a_fresh_index_and_swaps_it_in(sessions, indexed):
    indexed.delete([doc["id"] for doc in indexed.search("", {})["hits"]])  # a damaged index
    assert indexed.search("", {})["estimatedTotalHits"] == 0
    assert reindex(sessions, indexed) == 5
    assert indexed.search("", {})["estimatedTotalHits"] == 5
    assert reindex_uid(indexed.uid) not in indexed.index_uids()


def test_reindex_removes_the_leftover_of_an_interrupted_rebuild(sessions, indexed):
    twin = reindex_uid(indexed.uid)
    indexed.ensure(twin)
    indexed.put([{"key": "stale", "id": "stale", "title": "from the interrupted rebuild"}], uid=twin)
    assert reindex(sessions, indexed) == 5
    assert twin not in indexed.index_uids()
    assert "stale" not in [hit["id"] for hit in indexed.search("", {"limit": 20})["hits"]]


def test_unreachable_meilisearch_degrades_to_a_database_search_with_a_notice(config, sessions):
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(ITEMS[0], ensure_ascii=False)])
    dead = SearchIndex("http://127.0.0.1:9", "key", "nowhere")
    client = create_app(config, dead).test_client()
    body = client.get("/api/v1/search?q=skolefravær").get_json()
    assert body["degraded"] is True and body["total"] == 1
    assert "Søgningen er begrænset lige nu" in client.get("/sog?q=skolefravær").get_data(as_text=True)


def test_reindex_command_rebuilds_the_index_of_a_stopped_node(node_home, sessions):
    from tests.helpers.live_nodes import vidensnet

    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(i, ensure_ascii=False) for i in ITEMS])
    result = vidensnet(node_home, "reindex")
    assert "genopbygget med 5 emner" in result.stdout
    master = (node_home / "meilisearch" / "master.key").read_text().strip()
    assert stored_scoped_key(node_home, "vidensnet_items") not in (None, master)  # it worked with the scoped key


def test_the_degraded_notice_is_shown_in_english_too(config, sessions):
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(ITEMS[0], ensure_ascii=False)])
    client = create_app(config, SearchIndex("http://127.0.0.1:9", "key", "nowhere")).test_client()
    client.set_cookie("sprog", "en")
    html = client.get("/sog?q=skolefravær").get_data(as_text=True)
    assert '<html lang="en">' in html and "Search is limited right now: the search engine is not responding" in html
    assert '<span lang="da">skolefravær</span>' in html.split("<main", 1)[1]
    assert [text for text in danish_leftovers(html) if "skolefravær" not in text] == []  # the words in <title>
