"""The search page and API against a real Meilisearch: chips, kept filters, names in facets, numbers, tags, sort."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import update

from federation.identity import generate_node_key
from federation.models import KnownNode
from node.accounts.users import create_user
from node.core.config import NodeSettings, load_config, write_settings
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.core.models import Item
from node.items.files import import_items
from node.web.app import create_app
from search.index import SearchIndex
from search.indexer import drain_outbox
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import PASSWORD, acting_node
from tests.helpers.web import login

ITEMS = [
    {"id": "bekymring", "type": "method", "title": "Bekymringssamtaler i udskolingen",
     "summary": "Sådan holder skolen bekymringssamtaler med elev og forældre.", "audience": "public",
     "tags": ["Skolefravær"], "municipalities": ["0751"], "target_groups": ["unge 13-17 år"],
     "cooperation": ["SSP"]},
    {"id": "natteravne", "type": "practice", "title": "Natteravne i Gellerup",
     "summary": "Voksne går aftenture i weekenden.", "audience": "public",
     "target_groups": ["unge voksne 18-25 år"], "municipalities": ["0751"], "cooperation": ["SSP"]},
    {"id": "ssp-plus", "type": "guidance", "title": "Samarbejdet med de unge voksne",
     "summary": "Sådan organiseres SSP+ mellem kommune, politi og jobcenter.", "audience": "public",
     "cooperation": ["SSP+"], "municipalities": ["0730"]},
    {"id": "kreds", "type": "bulletin", "title": "Bekymringssamtaler efter uro i Østjylland",
     "summary": "Tendens i kredsen.", "police_districts": ["Østjyllands Politi"]},
]
# Oldest first: the date order is the reverse.
PUBLISHED = {"bekymring": datetime(2024, 3, 1, tzinfo=UTC), "natteravne": datetime(2025, 5, 1, tzinfo=UTC),
             "ssp-plus": datetime(2023, 1, 1, tzinfo=UTC), "kreds": datetime(2025, 1, 1, tzinfo=UTC),
             "rad": datetime(2022, 6, 1, tzinfo=UTC)}
FROM_DKR = {"id": "rad", "type": "guidance", "title": "Vejledning om paragraf 115",
            "summary": "Informationsudveksling efter § 115 i serviceloven.", "audience": "public"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, meilisearch_server):
    """A node with the items above, one of them from DKR (a known node), indexed once for the module."""
    home = tmp_path_factory.mktemp("search-views") / "node"
    write_settings(home, NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://x", "0751"))
    generate_node_key(home / "keys")
    config = load_config(home)
    upgrade_database(config.database_url)
    sessions = make_sessionmaker(make_engine(config.database_url))
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(i, ensure_ascii=False) for i in ITEMS])
        import_items(session, acting_node("dkr"), [json.dumps(FROM_DKR, ensure_ascii=False)])
        session.add(KnownNode(id="dkr", name="Det Kriminalpræventive Råd", kind="national", public_key="x",
                              descriptor="{}", vouched_by="peering"))
        for local_id, when in PUBLISHED.items():
            session.execute(update(Item).where(Item.id.like(f"%:{local_id}")).values(published_at=when))
        create_user(session, "reader", PASSWORD, "reader", "Test Læser")
    index = SearchIndex(meilisearch_server.url, meilisearch_server.master_key, "test_search_views")
    index.ensure()
    drain_outbox(sessions, index)
    yield create_app(config, index)
    index.drop("test_search_views")


@pytest.fixture
def client(app):
    return app.test_client()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def found(client, **params) -> list[str]:
    body = client.get("/api/v1/search", query_string=params).get_json()
    assert body["degraded"] is False
    return [hit["id"].split(":")[1] for hit in body["hits"]]


def text(html: str) -> str:
    """The words of some HTML as shown on the screen, its tags (e.g. `lang="da"` spans around names) left out."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def chips(html: str) -> dict[str, str]:
    """The active-filter chips of a page: their visible words -> the link that removes them."""
    return {text(re.sub(r'<span class="visually-hidden">.*?</span>|✕', "", words)).strip(): unescape(href)
            for href, words in re.findall(r'<a class="chip" href="([^"]+)"[^>]*>(.*?)</a>', html)}


def test_each_chip_names_its_filter_in_danish_and_removes_only_that_filter(client):
    html = page(client, "/sog?q=samtale&type=method&municipality=0751")
    found_chips = chips(html)
    assert set(found_chips) == {"Type: Metode", "Kommune: Aarhus"}
    assert "q=samtale" in found_chips["Type: Metode"] and "municipality=0751" in found_chips["Type: Metode"]
    assert "type=" not in found_chips["Type: Metode"]
    assert "type=method" in found_chips["Kommune: Aarhus"] and "municipality" not in found_chips["Kommune: Aarhus"]
    clear_all = unescape(re.search(r'<a class="chip-clear" href="([^"]+)">Ryd alle filtre</a>', html).group(1))
    assert clear_all == "/sog?q=samtale"


def test_a_new_query_from_a_filtered_page_keeps_the_filters_as_checked_boxes(client):
    html = page(client, "/sog?q=bekymringssamtale&type=method")
    form = html.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<input type="checkbox" id="behold-type" name="type" value="method" checked>', form)
    assert '<label for="behold-type">Type: Metode</label>' in form
    assert 'type="hidden"' not in form  # nothing is kept that the person cannot see and undo


def test_an_empty_result_with_filters_offers_the_same_search_without_them(client):
    html = page(client, "/sog?q=natteravne&type=method")
    assert "0 resultater" in html and "fjern et filter" not in html
    link = re.search(r'<a href="([^"]+)">Søg efter »(?:<span lang="da">)?natteravne(?:</span>)?« uden filtre</a>', html)
    assert link and unescape(link.group(1)) == "/sog?q=natteravne"
    assert "natteravne" in found(client, q="natteravne")


def test_a_chosen_filter_without_hits_stays_in_the_panel_to_be_undone(client):
    html = page(client, "/sog?q=natteravne&type=method")
    assert 'class="facet-on" aria-current="true"' in html and ">Metoder <span" in html


def test_facets_show_type_municipality_and_publisher_names_not_codes(client):
    html = page(client, "/sog?q=")
    panel = html.split('class="filters search-filters"', 1)[1]
    for words in ("Metoder (1)", "Praksiseksempler (1)", "Vejledninger (2)", "Aarhus (2)", "Randers (1)",
                  "Aarhus Kommune (3)", "Det Kriminalpræventive Råd (1)"):
        assert words in text(panel), words
    assert 'title="Kommunekode 0751"' in panel
    for internal in (">method", ">practice", ">guidance", ">0751", ">aarhus-kommune", ">dkr"):
        assert internal not in panel, internal
    assert "Fra Det Kriminalpræventive Råd" in text(page(client, "/sog?q=paragraf"))


def test_facets_and_counts_leave_out_restricted_items_for_anonymous_visitors(client):
    html = page(client, "/sog?q=")
    assert "Tendensbulletiner" not in html.split('class="filters search-filters"', 1)[1]
    assert "Østjylland" not in html
    login(client, "reader")
    assert "Tendensbulletiner (1)" in page(client, "/sog?q=")


@pytest.mark.parametrize("query, expected", [
    ("18-25", "natteravne"),
    ("13-17", "bekymring"),
    ("13–17", "bekymring"),  # an en dash, as word processors write it
    ("0751", "bekymring"),
    ("§ 115", "rad"),
    ("§115", "rad"),
])
def test_numbers_ranges_codes_and_sections_find_what_they_name(client, query, expected):
    hits = found(client, q=query)
    assert expected in hits
    if "-" in query or "–" in query:
        assert hits == [expected]  # a range does not find every text with one of its numbers


def test_ssp_plus_finds_the_item_about_ssp_plus_first(client):
    assert found(client, q="SSP+")[0] == "ssp-plus"


@pytest.mark.parametrize("spelling", ["Skolefravær", "skolefravær", "SKOLEFRAVÆR", "skolefravaer"])
def test_a_tag_filter_matches_regardless_of_case_and_danish_letters(client, spelling):
    assert found(client, q="", tag=spelling) == ["bekymring"]
    assert "Emneord: " + spelling in chips(page(client, f"/sog?tag={spelling}"))


def test_highlights_mark_whole_words_not_stems(client):
    [hit] = client.get("/api/v1/search?q=bekymringssamtale").get_json()["hits"]
    assert "<mark>Bekymringssamtaler</mark> i udskolingen" == hit["highlight"]["title"]
    assert "<mark>Bekymringssamtaler</mark>" in page(client, "/sog?q=bekymringssamtale")


def test_sort_by_date_puts_the_newest_first_and_relevance_is_the_default(client):
    assert found(client, q="", sort="dato") == ["natteravne", "bekymring", "ssp-plus", "rad"]
    assert found(client, q="unge", sort="dato") == ["natteravne", "bekymring", "ssp-plus"]
    body = client.get("/api/v1/search?q=unge&sort=dato").get_json()
    assert body["hits"][0]["published_at"] == "2025-05-01T00:00:00+00:00"
    html = page(client, "/sog?q=unge&sort=dato")
    assert '<time datetime="2025-05-01T00:00:00+00:00">1. maj 2025</time>' in html
    assert '<option value="dato" selected>Dato (nyeste først)</option>' in html
    assert '<label for="sort">Sortér efter</label>' in page(client, "/sog?q=unge")


def test_an_unknown_sort_is_a_400_naming_sort(client):
    response = client.get("/api/v1/search?q=&sort=alfabetisk")
    assert response.status_code == 400 and "sort" in response.get_json()["error"]["message"]
    assert client.get("/sog?sort=alfabetisk").status_code == 400


def test_anonymous_visitors_are_told_that_logging_in_shows_more_and_logged_in_users_are_not(client):
    hint = "Nogle emner, fx tendensbulletiner fra politiet, vises kun for indloggede brugere."
    html = page(client, "/sog?q=tendens")
    assert hint in html and "Log ind for at se dem." in html and "/login?next=" in html
    login(client, "reader")
    assert hint not in page(client, "/sog?q=tendens")


def test_results_come_before_the_filters_in_the_page(client):
    html = page(client, "/sog?q=")
    assert html.index('class="search-results"') < html.index('class="filters search-filters"')


def english(client):
    """The client with the interface switched to English, as the header's switch leaves it."""
    client.set_cookie("sprog", "en")
    return client


def test_results_in_english_keep_titles_summaries_and_names_marked_danish(client):
    html = page(english(client), "/sog?q=bekymringssamtale")
    assert '<html lang="en">' in html and "<h1>Search Vidensnet</h1>" in html
    assert '1 result for “<span lang="da">bekymringssamtale</span>”' in html
    assert '<label for="sort">Sort by</label>' in html and ">Relevance</option>" in html
    assert '<h3 class="card-title" lang="da">' in html and '<p class="card-summary" lang="da">' in html
    assert "<mark>Bekymringssamtaler</mark>" in html  # the highlight survives inside the Danish title
    assert 'From <span lang="da">Aarhus Kommune</span>' in html and '<h2 class="filters-title" id="filtre">' in html
    assert "Filter the results" in html and ">Cooperation</h3>" in html and ">Published by</h3>" in html
    assert danish_leftovers(html) == []


def test_chips_and_facets_in_english_name_the_filter_and_keep_the_value_as_written(client):
    html = page(english(client), "/sog?q=samtale&type=method&municipality=0751&origin=aarhus-kommune")
    assert chips(html)["Municipality: Aarhus"] == "/sog?q=samtale&type=method&origin=aarhus-kommune"
    assert "Published by: Aarhus Kommune" in chips(html)
    assert '<span class="visually-hidden">Remove the filter </span>Municipality: <span lang="da">Aarhus</span>' in html
    assert 'title="Municipality code 0751"' in html and "Active filters:" in html and ">Clear all filters</a>" in html
    assert "<legend>Search with these filters</legend>" in html
    facet_on = '<span class="visually-hidden">Remove the filter Municipality: </span><span lang="da">Aarhus</span> (1)'
    assert facet_on in html
    assert "aria-label=" not in html.split("<main", 1)[1].split("</form>", 1)[1]  # names are not in attributes
    assert danish_leftovers(html) == []


def test_no_results_in_english_offer_another_word_or_the_search_without_filters(client):
    html = page(english(client), "/sog?q=zxqvjkfintetfund")
    assert '0 results for “<span lang="da">zxqvjkfintetfund</span>”' in html
    assert 'No results. Try another word, or <a href="/sog">see all items</a>.' in html
    assert danish_leftovers(html) == []
    html = page(client, "/sog?q=natteravne&type=method")
    assert "No results with the chosen filters." in html
    assert re.search(r'<a href="[^"]+">Search for “<span lang="da">natteravne</span>” without filters</a>', html)
    assert danish_leftovers(html) == []
    assert ">Show all items without filters</a>" in page(client, "/sog?type=method&year=1999")


def test_anonymous_visitors_get_the_login_hint_in_english(client):
    html = page(english(client), "/sog?q=tendens")
    assert "Some items, such as trend bulletins from the police, are only shown to users who are logged in." in html
    assert ">Log in to see them.</a>" in html and "/login?next=" in html
    assert danish_leftovers(html) == []
    login(client, "reader")
    assert "Log in to see them." not in page(client, "/sog?q=tendens")


def test_sort_by_date_in_english_shows_the_chosen_order(client):
    html = page(english(client), "/sog?q=unge&sort=dato")
    assert '<option value="dato" selected>Date (newest first)</option>' in html
    assert "3 results for" in html and danish_leftovers(html) == []


def test_a_bad_search_is_explained_in_english_on_the_page_and_in_danish_in_the_api(client):
    response = english(client).get("/sog?sort=alfabetisk")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Invalid search" in html and "sort: must be relevans or dato" in html
    assert "page: must be a whole number" in english(client).get("/sog?page=x").get_data(as_text=True)
    api = client.get("/api/v1/search?sort=alfabetisk").get_json()
    assert api["error"]["message"] == "sort: skal være relevans eller dato"


def suggestions(html: str) -> str:
    """The words of the page's suggestion box, empty when there is none."""
    box = re.search(r'<div class="search-suggestions">(.*?)</div>', html, re.S)
    return " ".join(text(box[1]).split()) if box else ""


def test_a_misspelling_that_finds_nothing_is_offered_the_spelling_that_finds_something(client):
    # Four letters are too few for Meilisearch's typo tolerance: "ugne" finds nothing, "unge" three items.
    html = page(client, "/sog?q=ugne+voksne")
    assert suggestions(html).startswith("Mente du »unge voksne«? Det giver 3 resultater."), suggestions(html)
    assert 'href="/sog?q=unge+voksne"' in html


def test_words_that_find_little_together_are_offered_one_at_a_time_with_their_counts(client):
    # No item holds both words: the search finds the first word's item, and each word alone finds its own.
    html = page(client, "/sog?q=natteravne+informationsudveksling")
    assert "1 resultat for »natteravne informationsudveksling«" in text(html)
    assert suggestions(html) == ("Vis resultater for de enkelte ord: natteravne (1 resultat) "
                                 "informationsudveksling (1 resultat)")


def test_suggestions_never_count_what_the_visitor_may_not_see(client):
    # "Østjylland" is only in the district's bulletin: anonymous visitors are offered nothing that finds it.
    html = page(client, "/sog?q=natteravne+østjylland")
    assert suggestions(html) == "Vis resultater for de enkelte ord: natteravne (1 resultat)"


def test_a_query_with_enough_results_gets_no_suggestions(client):
    assert suggestions(page(client, "/sog?q=")) == ""
