"""`vidensnet run` serves the demo corpus over real HTTP on 127.0.0.1."""

from __future__ import annotations

import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT
from tests.helpers.nodes import PASSWORD


def test_running_node_serves_pages_and_api_with_the_demo_corpus(demo_node):
    front = requests.get(demo_node + "/", timeout=HTTP_TIMEOUT)
    assert front.status_code == 200 and "Vidensnet" in front.text
    assert "unsafe-inline" not in front.headers["Content-Security-Policy"]
    assert front.headers["Server"] == "vidensnet"
    items = requests.get(demo_node + "/api/v1/items", timeout=HTTP_TIMEOUT).json()
    assert items["total"] >= 15
    first = items["items"][0]
    page = requests.get(first["url"], timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and first["title"].split("&")[0] in page.text


def test_running_node_hides_restricted_demo_items_from_anonymous_visitors(demo_node):
    anonymous = requests.get(demo_node + "/api/v1/items?type=bulletin", timeout=HTTP_TIMEOUT).json()
    assert anonymous["total"] == 0
    session = requests.Session()
    login_page = session.get(demo_node + "/login", timeout=HTTP_TIMEOUT).text
    token = login_page.split('name="csrf_token" value="')[1].split('"')[0]
    credentials = {"username": "laeser", "password": PASSWORD, "csrf_token": token}
    logged_in = session.post(demo_node + "/login", data=credentials, timeout=HTTP_TIMEOUT)
    assert logged_in.status_code == 200 and "laeser" in logged_in.text
    bulletins = session.get(demo_node + "/bulletiner", timeout=HTTP_TIMEOUT).text
    assert "Tendensbulletiner" in bulletins and 'class="card"' in bulletins
