"""The editor in the author's words: the node's own municipality chosen, an error summary that takes focus,
type words in the right gender, and a warning before save of the counts readers will not see exactly."""

from __future__ import annotations

import html
import re

from tests.helpers.envelopes import know_origin
from tests.helpers.web import csrf_token, login


def selected_municipalities(page: str) -> list[str]:
    select = page.split('id="f-municipalities"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\d{4})"[^>]* selected>', select)


def test_a_new_item_starts_with_the_nodes_own_municipality_and_police_district(client, users):
    login(client, "editor")
    page = client.get("/ny/practice").get_data(as_text=True)
    assert selected_municipalities(page) == ["0751"]
    assert re.search(r'name="police_districts" value="Østjyllands Politi" checked>', page)
    assert "(0751)" not in page  # the code only on hover


def test_the_new_item_heading_agrees_with_the_gender_of_the_type(client, users):
    login(client, "editor")
    headings = {t: re.search(r"<h1>(.*?)</h1>", client.get(f"/ny/{t}").get_data(as_text=True)).group(1)
                for t in ("practice", "method", "bulletin", "plan", "guidance")}
    assert headings == {"practice": "Nyt praksiseksempel", "method": "Ny metode", "bulletin": "Ny tendensbulletin",
                        "plan": "Ny handleplan", "guidance": "Ny vejledning"}


def test_a_failed_save_shows_a_summary_that_takes_focus_and_links_to_each_field(client, users):
    login(client, "editor")
    token = csrf_token(client.get("/ny/method").get_data(as_text=True))
    response = client.post("/ny/method", data={"csrf_token": token, "title": "", "summary": "",
                                               "audience_kind": "network", "action": "save"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    summary = page.split('class="form-error error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert "Metoden kunne ikke gemmes: ret de 2 fejl herunder" in summary
    assert 'href="#f-title"' in summary and 'href="#f-summary"' in summary
    assert 'id="f-title"' in page and 'id="f-summary"' in page


def test_several_kinds_of_personal_data_are_asked_removed_in_the_plural(client, users):
    login(client, "editor")
    token = csrf_token(client.get("/ny/method").get_data(as_text=True))
    response = client.post("/ny/method", data={"csrf_token": token, "title": "Mentorer", "summary": "Om mentorer.",
                                               "body": "Ring til Mikkel Jensen på 23 45 67 89.",
                                               "audience_kind": "network", "action": "save"})
    page = html.unescape(response.get_data(as_text=True))
    assert "fjern dem (oplysningerne gentages ikke her)" in page and "fjern det" not in page


def test_before_a_bulletin_is_saved_the_author_is_told_which_counts_will_be_shown_as_under_the_threshold(client,
                                                                                                        users):
    login(client, "editor")
    token = csrf_token(client.get("/ny/bulletin").get_data(as_text=True))
    response = client.post("/ny/bulletin", data={
        "csrf_token": token, "title": "Unge ved stationen", "summary": "Flere episoder om aftenen.",
        "audience_kind": "districts", "audience_districts": ["Østjyllands Politi"], "action": "save",
        "d_observations": "Samlet | 20\ndrenge | 17\npiger | 3"})
    assert response.status_code == 200  # shown for review, nothing saved
    warning = html.unescape(response.get_data(as_text=True)).split('id="skjulte-tal"', 1)[1].split("</div>", 1)[0]
    assert "2 tal vises ikke præcist, når bulletinen gemmes" in warning
    assert "»piger«: 3 vises som »under 5«" in warning and "»drenge«: 17 vises som »skjult«" in warning


def test_a_bulletin_whose_counts_are_all_shown_has_no_warning(client, users):
    login(client, "editor")
    token = csrf_token(client.get("/ny/bulletin").get_data(as_text=True))
    response = client.post("/ny/bulletin", data={
        "csrf_token": token, "title": "Unge ved stationen", "summary": "Flere episoder om aftenen.",
        "audience_kind": "districts", "audience_districts": ["Østjyllands Politi"], "action": "preview",
        "d_observations": "Anmeldelser | 17"})
    assert response.status_code == 200 and 'id="skjulte-tal"' not in response.get_data(as_text=True)


def test_the_audience_field_for_named_nodes_lists_the_known_nodes_by_name_with_the_id_to_type(client, users,
                                                                                             sessions):
    with sessions.begin() as session:
        know_origin(session)
    login(client, "editor")
    page = client.get("/ny/bulletin").get_data(as_text=True)
    assert "<li>Randers Kommune: <code>randers-kommune</code></li>" in page
