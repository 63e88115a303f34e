"""The public pages in English: the interface's words translated, content and names kept and marked Danish."""

from __future__ import annotations

import json

import pytest

from node.items.files import import_items
from node.items.publishing import find_item, retract
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import acting_node
from tests.helpers.web import login

DISTRICT = "Østjyllands Politi"
ITEMS = [
    {"id": "skolefravaer", "type": "practice", "title": "Skolefravær og trivsel i Aarhus",
     "summary": "Et forløb for elever.", "body": "Vi mødes på skolen.", "audience": "public",
     "municipalities": ["0751"], "tags": ["skolefravær"],
     "prevention_level": "forebyggende", "target_groups": ["unge 13-17 år", "forældre og familie"],
     "cooperation": ["SSP"], "details": {"focus": "specifik", "key_themes": ["trivsel", "fravær"],
                                         "contact": "SSP-sekretariatet", "last_update": "2026-11-03"}},
    {"id": "mentor", "type": "method", "title": "Mentorordning for unge", "summary": "Én voksen følger én ung.",
     "audience": "public", "details": {"steps": ["Match", "Mød op"], "purpose": "At give støtte."}},
    {"id": "plan", "type": "plan", "title": "Fælles handleplan", "summary": "Østjylland samarbejder.",
     "audience": "public", "details": {"participating_municipalities": ["0751", "0730"]}},
    {"id": "vejledning", "type": "guidance", "title": "Vejledning om bekymringssamtaler", "summary": "Sådan gør du.",
     "audience": "public", "details": {"issuer": "Det Kriminalpræventive Råd"}},
] + [
    {"id": f"bulletin-{n}", "type": "bulletin", "title": f"Bulletin {n} om knive", "summary": "Flere knive på gaden.",
     "audience": {"districts": [DISTRICT]}, "tags": ["knive" if n < 6 else "hærværk"], "police_districts": [DISTRICT],
     "details": {"period_start": "2026-10-01", "period_end": "2026-10-31", "area": "Aarhus C",
                 "observations": [{"label": "Episoder", "count": 12}]}}
    for n in range(8)
]


@pytest.fixture
def english(app, sessions, users):
    """A logged-in reader who chose English, on a node holding an item of every type."""
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(item, ensure_ascii=False) for item in ITEMS])
    client = app.test_client()
    login(client, "admin")
    client.get("/")  # shows (and so uses up) the login's message, which is not this area's
    client.set_cookie("sprog", "en")
    return client


def english_page(client, path: str, status: int = 200) -> str:
    """The page at path, checked to be in English with no Danish interface words left outside the content."""
    response = client.get(path)
    assert response.status_code == status, path
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert danish_leftovers(page) == [], path
    return page


def test_the_front_page_in_english_names_the_types_and_marks_titles_and_node_names_danish(english):
    page = english_page(english, "/")
    assert "Knowledge from crime-prevention cooperation" in page and "What is Vidensnet?" in page
    assert "See all practice examples" in page and "Action plans" in page
    assert '<a href="/items/aarhus-kommune:mentor" lang="da">Mentorordning for unge</a>' in page
    assert '<span lang="da">Aarhus Kommune</span>' in page and "This node is run by" in page


@pytest.mark.parametrize(("path", "heading"), [
    ("/praksis", "Practice examples"), ("/metoder", "Methods"), ("/bulletiner", "Trend bulletins"),
    ("/planer", "Action plans"), ("/vejledninger", "Guidance")])
def test_each_list_page_in_english_has_its_filters_and_count_translated(english, path, heading):
    page = english_page(english, path)
    assert f"<h1>{heading}</h1>" in page and "All municipalities" in page and "Reset filters" in page
    assert '<option value="forebyggende">preventive</option>' in page
    assert '<option value="unge 13-17 år">young people aged 13-17</option>' in page
    assert " items</h2>" in page or "1 item</h2>" in page


def test_the_bulletin_list_in_english_charts_months_in_english_with_district_and_keywords_danish(english):
    page = english_page(english, "/bulletiner")
    assert "Trends by police district" in page and "<th scope=\"row\">October 2026</th>" in page
    assert f'<h3 id="udvikling-1" lang="da">{DISTRICT}</h3>' in page and "<td>under 5</td>" in page


def test_an_item_page_in_english_translates_labels_and_vocabulary_but_not_the_content(english):
    page = english_page(english, "/items/aarhus-kommune:skolefravaer")
    assert '<h1 lang="da">Skolefravær og trivsel i Aarhus</h1>' in page
    assert "<dt>Prevention level</dt><dd>preventive</dd>" in page
    assert "<dd>young people aged 13-17, parents and family</dd>" in page
    assert "<h2>Focus</h2>" in page and "<p>specific</p>" in page and "Last updated" in page
    assert '<time datetime="2026-11-03">3 November 2026</time>' in page
    assert '<span title="Municipality code 0751" lang="da">Aarhus</span>' in page


def test_a_plan_and_a_bulletin_page_in_english_show_endorsements_and_observations(english):
    plan = english_page(english, "/items/aarhus-kommune:plan")
    assert "Endorsements" in plan and "Not endorsed yet" in plan
    bulletin = english_page(english, "/items/aarhus-kommune:bulletin-0")
    assert "<th scope=\"col\">Observation</th><th scope=\"col\">Number</th>" in bulletin
    assert '<td lang="da">Episoder</td><td>12</td>' in bulletin


def test_the_error_accessibility_and_confirmation_pages_are_in_english(english):
    assert "<h1>The page does not exist</h1>" in english_page(english, "/findes-ikke", 404)
    statement = english_page(english, "/tilgaengelighed")
    assert "has not yet published an accessibility statement" in statement
    confirm = english_page(english, "/items/aarhus-kommune:mentor/tilbagetraek")
    assert 'Retract “<span lang="da">Mentorordning for unge</span>”?' in confirm and "Yes, retract" in confirm
    assert "<title>Retract “Mentorordning for unge”? · Aarhus Kommune</title>" in confirm


def test_a_retracted_item_answers_410_in_english_with_the_time_in_english(english, sessions):
    with sessions.begin() as session:
        retract(session, find_item(session, "aarhus-kommune:mentor"), acting_node())
    page = english_page(english, "/items/aarhus-kommune:mentor", 410)
    assert "The item has been retracted" in page and 'Retracted by <span lang="da">Aarhus Kommune</span> on ' in page
    assert " at " in page and " kl. " not in page
