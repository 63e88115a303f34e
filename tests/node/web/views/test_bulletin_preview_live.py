"""On a real node process: an editor writing the bulletins of the reproduction sees, before saving, what readers
will see and why, and is warned of an earlier bulletin for the same area and period; saved, readers see just that."""

from __future__ import annotations

import re

import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, write_items
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token

EARLIER = {"id": "marts", "type": "bulletin", "title": "Uro ved Bruuns Galleri i marts", "summary": "Iagttagelser.",
           "municipalities": ["0751"], "police_districts": ["Østjyllands Politi"],
           "details": {"period_start": "2026-03-01", "period_end": "2026-03-31"}}


def editor_of(node: LiveNode) -> requests.Session:
    node.add_user("redaktoer", "editor", PASSWORD)
    browser = requests.Session()
    token = csrf_token(browser.get(node.url + "/login", timeout=HTTP_TIMEOUT).text)
    browser.post(node.url + "/login", data={"username": "redaktoer", "password": PASSWORD, "csrf_token": token},
                 timeout=HTTP_TIMEOUT).raise_for_status()
    return browser


def test_editor_sees_counts_reasons_and_overlap_before_saving_and_readers_then_see_exactly_that(tmp_path):
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    node.publish(write_items(tmp_path / "earlier.jsonl", EARLIER))
    node.start()
    try:
        browser = editor_of(node)
        form = {"title": "Sigtelser ved stationen", "summary": "Flere sigtelser om aftenen.",
                "audience_kind": "districts", "audience_districts": ["Østjyllands Politi"],
                "municipalities": ["0751"], "d_period_start": "2026-03-15", "d_period_end": "2026-04-15",
                "d_observations": "Anmeldelser | 17\nSigtelser | 3\nI alt sigtede | 6", "action": "submit",
                "csrf_token": csrf_token(browser.get(node.url + "/ny/bulletin", timeout=HTTP_TIMEOUT).text)}
        preview = browser.post(node.url + "/ny/bulletin", data=form, allow_redirects=False, timeout=HTTP_TIMEOUT)
        held_before = node.api("/api/v1/items?type=bulletin").json()["total"]
        previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', preview.text).group(1)
        saved = browser.post(node.url + "/ny/bulletin", data={**form, "previewed": previewed},
                             allow_redirects=False, timeout=HTTP_TIMEOUT)
        page = browser.get(node.url + saved.headers["Location"], timeout=HTTP_TIMEOUT).text
    finally:
        node.stop()
    assert preview.status_code == 200 and held_before == 1
    assert "<td>Anmeldelser</td><td>17</td><td>ikke del af nogen total</td><td>vises</td>" in preview.text
    assert "<td>Sigtelser</td><td>under 5</td><td>del af «I alt sigtede»</td><td>under grænsen på 5</td>" \
        in preview.text
    assert "skjult, så de skjulte tal ikke kan regnes ud fra totalen" in preview.text
    assert "samme område og en periode, der overlapper" in preview.text
    assert "»Uro ved Bruuns Galleri i marts«" in preview.text
    assert saved.status_code == 302
    assert "<td>17</td>" in page and "<td>under 5</td>" in page and "<td>skjult</td>" in page
    assert "<td>3</td>" not in page and "<td>6</td>" not in page
