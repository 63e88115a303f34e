"""The node's scoped Meilisearch key, against the test suite's real Meilisearch: what it can and cannot reach."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from node.cli import main
from node.core.config import NodeSettings, load_config, load_search_settings, write_settings
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.items.files import import_items
from search import runtime
from search.index import SearchIndex, SearchUnavailable
from search.indexer import reindex
from search.keys import KEY_FILE, KeyIssuer, StoredKeyIndex, key_name, scoped_index, stored_scoped_key
from search.settings import reindex_uid
from tests.helpers.nodes import acting_node


def item(local_id: str, title: str) -> str:
    return json.dumps({"id": local_id, "type": "method", "title": title, "summary": "Om forebyggelse.",
                       "audience": "public"}, ensure_ascii=False)


@pytest.fixture
def admin(meilisearch_server):
    """The test Meilisearch with its master key; drops the indexes a test made."""
    admin = SearchIndex(meilisearch_server.url, meilisearch_server.master_key)
    before = set(admin.index_uids())
    yield admin
    for uid in set(admin.index_uids()) - before:
        admin.drop(uid)


def node_key(home, admin: SearchIndex, index_uid: str) -> SearchIndex:
    """The node's index with its scoped key, made with the master key as `vidensnet run` makes it."""
    return KeyIssuer(home, admin.url, admin.api_key, index_uid, "the test's master key").index()


def external_node(monkeypatch, admin: SearchIndex, index_uid: str) -> None:
    """Configure the environment like an operator: an external Meilisearch, its master key, the node's index."""
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_URL", admin.url)
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_MASTER_KEY", admin.api_key)
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_INDEX", index_uid)
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_KEY", raising=False)


def test_the_nodes_key_indexes_searches_and_reindexes_its_own_index_with_a_swap(node_home, sessions, admin):
    index = node_key(node_home, admin, "keys_own")
    assert index.api_key != admin.api_key
    index.ensure()
    with sessions.begin() as session:
        import_items(session, acting_node(), [item("a", "Natteravne i Gellerup"), item("b", "Mentorordning")])
    assert runtime.run_cycle(runtime.SearchRuntime(index), sessions) == 2
    index.delete(["aarhus-kommune:b"])
    assert [hit["id"] for hit in index.search("", {})["hits"]] == ["aarhus-kommune:a"]
    assert reindex(sessions, index) == 2  # the twin built, swapped in (a task this key cannot read) and dropped
    assert sorted(hit["id"] for hit in index.search("", {})["hits"]) == ["aarhus-kommune:a", "aarhus-kommune:b"]
    assert reindex_uid("keys_own") not in admin.index_uids()


def test_the_nodes_key_is_refused_on_another_nodes_index_even_one_whose_name_starts_with_its_own(node_home, admin):
    index = node_key(node_home, admin, "keys_a")
    index.ensure()
    admin.ensure("keys_ab")
    other = SearchIndex(admin.url, index.api_key, "keys_ab")
    attempts = {
        "search": lambda: other.search("", {}),
        "add documents": lambda: other.put([{"key": "x", "id": "x"}]),
        "delete documents": lambda: other.delete(["x"]),
        "change settings": lambda: other.ensure(),
        "drop the index": lambda: other.drop("keys_ab"),
        "swap it with its own": lambda: index.swap_in("keys_ab"),
        "create an index": lambda: index.ensure("keys_a_reindex"),
    }
    for what, attempt in attempts.items():
        with pytest.raises(SearchUnavailable) as refused:
            attempt()
        assert refused.value.status == 403, what
    assert "keys_a_reindex" not in admin.index_uids()


def test_the_nodes_key_cannot_read_or_make_keys(node_home, admin):
    index = node_key(node_home, admin, "keys_no_admin")
    for method, body in (("GET", None), ("POST", {"actions": ["*"], "indexes": ["*"], "expiresAt": None})):
        with pytest.raises(SearchUnavailable) as refused:
            index.call(method, "/keys", body)
        assert refused.value.status == 403


def test_the_key_is_made_once_and_found_again_on_restart(node_home, admin):
    first = node_key(node_home, admin, "keys_once").api_key
    (node_home / "meilisearch" / KEY_FILE).unlink()  # a restart finds it on the server, not only in the file
    assert node_key(node_home, admin, "keys_once").api_key == first
    listed = [key for key in admin.call("GET", "/keys?limit=1000")["results"] if key["name"] == key_name("keys_once")]
    assert [key["indexes"] for key in listed] == [["keys_once", "keys_once--reindex"]]
    assert (node_home / "meilisearch" / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_making_the_key_deletes_the_nodes_earlier_key_with_other_actions(node_home, admin):
    earlier = admin.call("POST", "/keys", {"name": key_name("keys_superseded"), "actions": ["search"],
                                           "indexes": ["keys_superseded"], "expiresAt": None})
    other_node = admin.call("POST", "/keys", {"name": key_name("keys_superseded_not"), "actions": ["search"],
                                              "indexes": ["keys_superseded_not"], "expiresAt": None})
    node_key(node_home, admin, "keys_superseded")
    uids = {key["uid"] for key in admin.call("GET", "/keys?limit=1000")["results"]}
    assert earlier["uid"] not in uids and other_node["uid"] in uids


def test_two_nodes_sharing_one_meilisearch_see_only_their_own_documents(node_home, sessions, admin, monkeypatch,
                                                                        tmp_path):
    other_home = tmp_path / "randers"
    write_settings(other_home, NodeSettings("randers-kommune", "Randers Kommune", "municipality",
                                            "http://127.0.0.1:8081", "0730"))
    other_sessions = make_sessionmaker(make_engine(load_config(other_home).database_url))
    upgrade_database(load_config(other_home).database_url)
    found = {}
    for home, node_sessions, node_id, index_uid in ((node_home, sessions, "aarhus-kommune", "keys_aarhus"),
                                                    (other_home, other_sessions, "randers-kommune", "keys_randers")):
        external_node(monkeypatch, admin, index_uid)
        settings = load_search_settings()
        web = scoped_index(home, settings)  # a process that only searches, started before search's owner
        with pytest.raises(SearchUnavailable):
            web.search("", {})  # no key yet: refused, and the search page falls back to the database
        search = runtime.start_search(home, settings)  # the owner makes and stores the key
        with node_sessions.begin() as session:
            import_items(session, acting_node(node_id), [item("skolefravaer", f"Skolefravær i {node_id}")])
        assert runtime.run_cycle(search, node_sessions) == 1
        found[node_id] = [hit["id"] for hit in web.search("skolefravaer", {})["hits"]]
        assert (web.url, web.api_key, web.uid) == (admin.url, search.index.api_key, index_uid)
        assert web.api_key != admin.api_key
    assert found == {"aarhus-kommune": ["aarhus-kommune:skolefravaer"],
                     "randers-kommune": ["randers-kommune:skolefravaer"]}


def test_a_process_that_only_searches_takes_the_newer_stored_key_after_a_refusal(node_home, admin):
    current = node_key(node_home, admin, "keys_newer")  # made again after the master key was replaced
    current.ensure()
    web = StoredKeyIndex(admin.url, "the-value-before-the-master-key-changed", "keys_newer", home=node_home)
    assert web.search("", {})["hits"] == [] and web.api_key == current.api_key


def test_a_key_the_operator_made_is_used_as_is_and_no_key_is_made(node_home, sessions, admin, monkeypatch):
    given = node_key(node_home / "operator", admin, "keys_given").api_key  # made for the node beforehand
    keys_before = admin.call("GET", "/keys?limit=1000")["total"]
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_URL", admin.url)
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_KEY", given)
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_INDEX", "keys_given")
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_MASTER_KEY", raising=False)
    search = runtime.start_search(node_home, load_search_settings())
    with sessions.begin() as session:
        import_items(session, acting_node(), [item("given", "Med operatørens nøgle")])
    assert runtime.run_cycle(search, sessions) == 1
    assert search.index.api_key == given and search.issuer is None
    assert scoped_index(node_home, load_search_settings()).api_key == given
    assert not (node_home / "meilisearch" / KEY_FILE).exists()
    assert admin.call("GET", "/keys?limit=1000")["total"] == keys_before


def test_a_refused_master_key_is_reported_by_its_source_without_the_key(node_home, admin):
    issuer = KeyIssuer(node_home, admin.url, "wrong-master-key-0123456789", "keys_refused",
                       "VIDENSNET_MEILISEARCH_MASTER_KEY")
    with pytest.raises(SearchUnavailable, match="VIDENSNET_MEILISEARCH_MASTER_KEY was refused") as refused:
        issuer.issue()
    assert "wrong-master-key" not in str(refused.value) and "wrong-master-key" not in repr(issuer)


def test_a_given_key_that_can_manage_keys_is_used_but_warned_about(node_home, admin, monkeypatch, caplog):
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_URL", admin.url)
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_KEY", admin.api_key)  # the master key, as before scoped keys
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_MASTER_KEY", raising=False)
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_INDEX", raising=False)
    search = runtime.start_search(node_home, load_search_settings())
    assert search.index.api_key == admin.api_key
    assert "VIDENSNET_MEILISEARCH_KEY can manage Meilisearch's keys" in caplog.text
    assert admin.api_key not in caplog.text


def test_reindex_command_on_an_external_meilisearch_makes_the_nodes_key_and_names_a_refused_master_key(
        node_home, sessions, admin, monkeypatch):
    with sessions.begin() as session:
        import_items(session, acting_node(), [item("a", "Natteravne"), item("b", "Mentorordning")])
    external_node(monkeypatch, admin, "keys_command")
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_MASTER_KEY", "not-the-master-key-0123456789")
    refused = CliRunner().invoke(main, ["--home", str(node_home), "reindex"])
    assert refused.exit_code == 1 and "VIDENSNET_MEILISEARCH_MASTER_KEY was refused" in refused.output
    assert "not-the-master-key" not in refused.output
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_MASTER_KEY", admin.api_key)
    result = CliRunner().invoke(main, ["--home", str(node_home), "reindex"])
    assert result.exit_code == 0, result.output
    key = stored_scoped_key(node_home, "keys_command")
    assert key not in (None, admin.api_key)
    assert SearchIndex(admin.url, key, "keys_command").search("", {})["estimatedTotalHits"] == 2
