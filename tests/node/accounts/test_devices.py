"""The Danish description of a login's browser and system, from its User-Agent."""

from __future__ import annotations

import pytest

from node.accounts.devices import describe_device, shown_device

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/18.1 Mobile/15E148 Safari/604.1")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36")


@pytest.mark.parametrize("agent, shown", [
    (FIREFOX_LINUX, "Firefox på Linux"), (EDGE_WINDOWS, "Edge på Windows"), (SAFARI_IPHONE, "Safari på iPhone"),
    (CHROME_ANDROID, "Chrome på Android"), ("python-requests/2.32", "Ukendt browser"), (None, "Ukendt browser"),
])
def test_a_user_agent_becomes_browser_and_system_in_danish(agent, shown):
    assert describe_device(agent) == shown


@pytest.mark.parametrize("stored, english", [
    ("Firefox på Linux", "Firefox on Linux"), ("Ukendt browser på Mac", "Unknown browser on Mac"),
    ("Ukendt browser", "Unknown browser"), ("Safari", "Safari")])
def test_a_stored_danish_description_is_shown_in_english_and_stays_danish_outside_a_request(app, stored, english):
    with app.test_request_context("/konto", headers={"Cookie": "sprog=en"}):
        assert shown_device(stored) == english
    assert shown_device(stored) == stored
