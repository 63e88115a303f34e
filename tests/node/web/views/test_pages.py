"""Public pages: security headers, Danish pages, filters and pagination without JavaScript."""

from __future__ import annotations

import json

import pytest

from node.core.config import ConfigError, load_config
from node.items.files import import_items
from node.items.queries import TOTAL_CAP
from node.web.app import create_app
from node.web.request import CONTENT_SECURITY_POLICY
from tests.helpers.nodes import acting_node
from tests.helpers.web import login


def _import(sessions, count: int, **fields):
    lines = [json.dumps({"id": f"p{n}", "type": "practice", "title": f"Praksis nummer {n}", "summary": "Resumé.",
                         "audience": "public", **fields}, ensure_ascii=False) for n in range(count)]
    with sessions.begin() as session:
        import_items(session, acting_node("aarhus-kommune"), lines)


def test_every_response_carries_a_strict_csp_and_security_headers(client):
    for path in ("/", "/praksis", "/login", "/api/v1/items", "/findes-ikke", "/static/style.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert csp == CONTENT_SECURITY_POLICY, path
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_are_danish_and_have_landmarks(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="da">' in page
    for landmark in ("<header", "<nav", "<main", "<footer", 'class="skip-link"'):
        assert landmark in page
    assert "Praksiseksempler" in page and "Tendensbulletiner" in page


def test_list_page_paginates_with_links_that_keep_filters(client, sessions, config):
    _import(sessions, config.page_size + 3, municipalities=["0751"])
    page = client.get("/praksis?municipality=0751").get_data(as_text=True)
    assert f"{config.page_size + 3} emner" in page
    assert "page=2" in page and "municipality=0751" in page
    second = client.get("/praksis?municipality=0751&page=2").get_data(as_text=True)
    assert second.count('class="card"') == 3


def test_a_list_longer_than_the_count_cap_says_more_than_and_pages_without_a_page_count(client, sessions):
    _import(sessions, TOTAL_CAP + 1)
    first = client.get("/praksis").get_data(as_text=True)
    second = client.get("/praksis?page=2").get_data(as_text=True)
    assert f"Mere end {TOTAL_CAP} emner" in first and "Side 1</span>" in first and 'rel="next"' in first
    assert "Side 2</span>" in second and "Side 2 af" not in second and 'rel="prev"' in second


def test_list_filters_by_municipality_and_cooperation(client, sessions):
    _import(sessions, 2, municipalities=["0751"], cooperation=["PSP"])
    assert "2 emner" in client.get("/praksis?municipality=0751&cooperation=PSP").get_data(as_text=True)
    assert "0 emner" in client.get("/praksis?municipality=0101").get_data(as_text=True)


def test_list_tag_filter_matches_a_tag_whatever_its_case_or_aeoeaa_spelling(client, sessions):
    _import(sessions, 2, tags=["Skolefravær"])
    for spelling in ("Skolefravær", "skolefravær", "SKOLEFRAVÆR", "skolefravaer", "SKOLEFRAVAER"):
        assert "2 emner" in client.get(f"/praksis?tag={spelling}").get_data(as_text=True), spelling
    assert "0 emner" in client.get("/praksis?tag=skolefrav").get_data(as_text=True)


def test_unknown_page_is_a_danish_404(client):
    response = client.get("/findes-ikke")
    assert response.status_code == 404 and "Siden findes ikke" in response.get_data(as_text=True)


def test_front_page_opens_with_a_labelled_search_box_that_searches_the_network(client):
    page = client.get("/").get_data(as_text=True)
    main = page.split('<main', 1)[1]
    form = main.split('<form method="get" action="/sog"', 1)[1].split("</form>", 1)[0]
    assert '<label for="forside-sog">Søg i Vidensnet</label>' in form
    assert '<input id="forside-sog" name="q" type="search"' in form
    assert 'placeholder="fx bekymringssamtale, natteravne, 18-25"' in form
    assert main.index('id="forside-sog"') < main.index("Det nyeste fra netværket")
    assert "Hvad er Vidensnet?" in main


def test_front_page_tells_anonymous_visitors_that_bulletins_need_a_login_and_not_logged_in_users(
        client, sessions, users):
    hint = "Nogle emner, fx tendensbulletiner fra politiet, vises kun for indloggede brugere."
    _import(sessions, 1)
    page = client.get("/").get_data(as_text=True)
    assert hint in page and 'href="/login?next=/">Log ind for at se dem.</a>' in page
    login(client, "reader")
    assert hint not in client.get("/").get_data(as_text=True)


def _bulletins(sessions, count: int, tag: str, start: str) -> None:
    lines = [json.dumps({"id": f"b-{tag}-{n}", "type": "bulletin", "title": f"Bulletin {n}", "summary": "Tendens.",
                         "audience": {"districts": ["Østjyllands Politi"]}, "tags": [tag],
                         "police_districts": ["Østjyllands Politi"],
                         "details": {"period_start": start, "period_end": start, "area": "Aarhus"}},
                        ensure_ascii=False) for n in range(count)]
    with sessions.begin() as session:
        import_items(session, acting_node("aarhus-kommune"), lines)


def test_the_bulletin_list_charts_bulletins_per_month_and_theme_with_small_counts_as_under_n(app, sessions, users):
    _bulletins(sessions, 6, "hash", "2026-09-10")
    _bulletins(sessions, 2, "knive", "2026-10-01")
    reader = app.test_client()
    login(reader, "reader")
    page = reader.get("/bulletiner").get_data(as_text=True)
    assert "Udviklingen pr. politikreds" in page and 'class="trend-chart"' in page and 'role="img"' in page
    assert "<th scope=\"row\">september 2026</th><td>6</td><td>0</td>" in page
    assert "<th scope=\"row\">oktober 2026</th><td>0</td><td>under 5</td>" in page
    assert ">2<" not in page.split('class="trends"')[1]  # the small count appears nowhere in the chart
    assert 'class="trend-chart"' not in reader.get("/metoder").get_data(as_text=True)


def test_an_anonymous_visitor_gets_no_trend_chart_of_restricted_bulletins(client, sessions):
    _bulletins(sessions, 6, "hash", "2026-09-10")
    page = client.get("/bulletiner").get_data(as_text=True)
    assert "Udviklingen pr. politikreds" not in page and "hash" not in page


def test_the_accessibility_statement_page_says_where_to_set_it_until_the_address_is_set(client):
    page = client.get("/tilgaengelighed")
    assert page.status_code == 200
    assert "Tilgængelighedserklæring" in page.get_data(as_text=True)
    assert "VIDENSNET_ACCESSIBILITY_STATEMENT_URL" in page.get_data(as_text=True)


def test_the_accessibility_statement_leads_to_the_address_the_node_sets(node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_ACCESSIBILITY_STATEMENT_URL", "https://www.was.digst.dk/vidensnet-aarhus")
    client = create_app(load_config(node_home)).test_client()
    answer = client.get("/tilgaengelighed")
    assert answer.status_code == 302 and answer.headers["Location"] == "https://www.was.digst.dk/vidensnet-aarhus"
    assert 'href="https://www.was.digst.dk/vidensnet-aarhus"' in client.get("/").get_data(as_text=True)


def test_an_accessibility_statement_address_that_is_not_a_web_address_is_refused_naming_the_variable(
        node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_ACCESSIBILITY_STATEMENT_URL", "javascript:alert(1)")
    with pytest.raises(ConfigError, match="VIDENSNET_ACCESSIBILITY_STATEMENT_URL"):
        load_config(node_home)
