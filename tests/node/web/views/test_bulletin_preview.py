"""The bulletin editor's preview: before a bulletin is saved, the author sees each count as readers will and why,
and is warned about earlier bulletins for the same area and an overlapping period."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from node.core.models import Item
from node.items.files import import_items
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import acting_node
from tests.helpers.web import auth, csrf_token, login


def bulletin_form(client, observations: str, **fields) -> dict:
    token = csrf_token(client.get("/ny/bulletin").get_data(as_text=True))
    return {"title": "Unge ved stationen", "summary": "Flere episoder om aftenen.", "audience_kind": "districts",
            "audience_districts": ["Østjyllands Politi"], "d_observations": observations, "csrf_token": token,
            **fields}


def rows(html: str) -> list[list[str]]:
    table = html.split('id="forhaandsvisning"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table) if "<td>" in row]


def bulletins(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Item).where(Item.type == "bulletin"))


def test_preview_shows_each_count_as_readers_will_see_it_with_a_danish_reason_and_saves_nothing(client, users,
                                                                                                sessions):
    login(client, "editor")
    form = bulletin_form(client, "Anmeldelser | 17\nSigtede drenge | 9\nSigtede piger | 3\nI alt sigtede | 12",
                         action="preview")
    response = client.post("/ny/bulletin", data=form)
    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == [
        ["Anmeldelser", "17", "ikke del af nogen total", "vises"],
        ["Sigtede drenge", "skjult", "del af «I alt sigtede»",
         "skjult, så tallet ikke kan regnes ud fra totalen «I alt sigtede»"],
        ["Sigtede piger", "under 5", "del af «I alt sigtede»", "under grænsen på 5"],
        ["I alt sigtede", "12", "total", "vises"],
    ]
    assert bulletins(sessions) == 0


def test_saving_a_bulletin_that_hides_counts_shows_the_preview_first_and_saves_it_once_seen(client, users, sessions):
    login(client, "editor")
    form = bulletin_form(client, "Samlet | 20\ndrenge | 17\npiger | 3", action="save")
    first = client.post("/ny/bulletin", data=form)
    assert first.status_code == 200 and bulletins(sessions) == 0
    html = first.get_data(as_text=True)
    assert ["piger", "under 5", "del af «Samlet»", "under grænsen på 5"] in rows(html)
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', html).group(1)
    assert client.post("/ny/bulletin", data={**form, "previewed": previewed}).status_code == 302
    assert bulletins(sessions) == 1


def test_a_changed_bulletin_after_the_preview_is_previewed_again_before_it_is_saved(client, users, sessions):
    login(client, "editor")
    form = bulletin_form(client, "Samlet | 20\ndrenge | 17\npiger | 3", action="save")
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"',
                          client.post("/ny/bulletin", data=form).get_data(as_text=True)).group(1)
    changed = {**form, "d_observations": "Samlet | 21\ndrenge | 17\npiger | 4", "previewed": previewed}
    assert client.post("/ny/bulletin", data=changed).status_code == 200
    assert bulletins(sessions) == 0


def test_a_bulletin_that_hides_nothing_and_overlaps_nothing_is_saved_at_once(client, users, sessions):
    login(client, "editor")
    response = client.post("/ny/bulletin", data=bulletin_form(client, "Episoder | 18\nI alt | 18", action="save"))
    assert response.status_code == 302 and bulletins(sessions) == 1


def publish_bulletin(sessions, local_id: str, title: str, start: str, end: str) -> None:
    line = {"id": local_id, "type": "bulletin", "title": title, "summary": "Tidligere iagttagelser.",
            "municipalities": ["0751"], "police_districts": ["Østjyllands Politi"],
            "details": {"period_start": start, "period_end": end}}
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(line, ensure_ascii=False)])


def test_new_bulletin_for_the_same_area_and_an_overlapping_period_warns_naming_the_earlier_one(client, users,
                                                                                               sessions):
    publish_bulletin(sessions, "marts", "Uro ved Bruuns Galleri i marts", "2026-03-01", "2026-03-31")
    publish_bulletin(sessions, "januar", "Uro i januar", "2026-01-01", "2026-01-31")
    login(client, "editor")
    form = bulletin_form(client, "Episoder | 18", municipalities=["0751"], d_period_start="2026-03-15",
                         d_period_end="2026-04-15", action="save")
    response = client.post("/ny/bulletin", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "samme område og en periode, der overlapper" in html
    assert "»Uro ved Bruuns Galleri i marts«" in html and "Uro i januar" not in html
    assert bulletins(sessions) == 2


def test_no_overlap_warning_for_another_area_or_a_period_that_does_not_overlap(client, users, sessions):
    publish_bulletin(sessions, "marts", "Uro ved Bruuns Galleri i marts", "2026-03-01", "2026-03-31")
    login(client, "editor")
    other_area = bulletin_form(client, "Episoder | 18", municipalities=["0730"], police_districts=[],
                               d_period_start="2026-03-15", d_period_end="2026-04-15", action="preview")
    assert "overlapper" not in client.post("/ny/bulletin", data=other_area).get_data(as_text=True)
    later = bulletin_form(client, "Episoder | 18", municipalities=["0751"], d_period_start="2026-04-01",
                          d_period_end="2026-04-30", action="preview")
    assert "overlapper" not in client.post("/ny/bulletin", data=later).get_data(as_text=True)


def test_api_dry_run_answers_each_count_as_shown_with_its_reason_and_the_overlaps_and_saves_nothing(
        client, sessions, tokens):
    publish_bulletin(sessions, "marts", "Uro ved Bruuns Galleri i marts", "2026-03-01", "2026-03-31")
    bulletin = {"type": "bulletin", "title": "Sigtelser ved stationen", "summary": "Flere sigtelser.",
                "municipalities": ["0751"], "details": {"period_start": "2026-03-20", "observations": [
                    {"label": "Samlet", "count": 20}, {"label": "drenge", "count": 17},
                    {"label": "piger", "count": 3}]}}
    answer = client.post("/api/v1/items/preview", json=bulletin, headers=auth(tokens["editor"]))
    assert answer.status_code == 200
    assert [(o["shown"], o["reason"]) for o in answer.json["observations"]] == [
        ("20", "vises"), ("skjult", "skjult, så tallet ikke kan regnes ud fra totalen «Samlet»"),
        ("under 5", "under grænsen på 5")]
    assert [o["title"] for o in answer.json["overlaps"]] == ["Uro ved Bruuns Galleri i marts"]
    assert bulletins(sessions) == 1


def test_api_dry_run_needs_an_editor_and_names_a_bad_field(client, tokens):
    bad = {"type": "bulletin", "title": "Ok titel", "summary": "x", "details": {"observations": "tre"}}
    assert client.post("/api/v1/items/preview", json=bad, headers=auth(tokens["reader"])).status_code == 403
    refused = client.post("/api/v1/items/preview", json=bad, headers=auth(tokens["editor"]))
    assert refused.status_code == 422 and "details" in refused.json["error"]["fields"]


def test_editing_a_draft_so_that_a_count_is_hidden_shows_the_preview_before_the_change_is_saved(client, users,
                                                                                               sessions):
    login(client, "editor")
    created = client.post("/ny/bulletin", data=bulletin_form(client, "Episoder | 18", action="save"))
    edit_url = created.headers["Location"] + "/rediger"
    token = csrf_token(client.get(edit_url).get_data(as_text=True))
    form = {**bulletin_form(client, "Episoder | 18\nTrusler | 2"), "csrf_token": token, "action": "save"}
    first = client.post(edit_url, data=form)
    assert first.status_code == 200 and ["Trusler", "under 5", "ikke del af nogen total",
                                         "under grænsen på 5"] in rows(first.get_data(as_text=True))
    assert "Trusler" not in client.get(created.headers["Location"]).get_data(as_text=True)
    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', first.get_data(as_text=True)).group(1)
    assert client.post(edit_url, data={**form, "previewed": previewed}).status_code == 302
    assert "Trusler" in client.get(created.headers["Location"]).get_data(as_text=True)


def test_the_preview_in_english_warns_of_the_hidden_counts_and_gives_each_line_its_reason(client, users, sessions):
    client.set_cookie("sprog", "en")
    login(client, "editor")
    form = bulletin_form(client, "Anmeldelser | 17\nSigtede drenge | 9\nSigtede piger | 3\nI alt sigtede | 12",
                         action="save")
    response = client.post("/ny/bulletin", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="en">' in html
    assert [[re.sub(r'^<span lang="da">(.*)</span>$', r"\1", cell) for cell in row] for row in rows(html)] == [
        ["Anmeldelser", "17", "not part of any total", "shown"],
        ["Sigtede drenge", "hidden", "part of «I alt sigtede»",
         "hidden, so that the count cannot be worked out from the total «I alt sigtede»"],
        ["Sigtede piger", "under 5", "part of «I alt sigtede»", "under the threshold of 5"],
        ["I alt sigtede", "12", "total", "shown"],
    ]
    assert '<td><span lang="da">Sigtede piger</span></td>' in html
    assert "2 counts will not be shown exactly when the bulletin is saved" in html
    assert '<span lang="da">»Sigtede piger«</span>: 3 is shown as “under 5”' in html
    assert "Nothing has been saved yet." in html and bulletins(sessions) == 0
    assert danish_leftovers(html) == []
