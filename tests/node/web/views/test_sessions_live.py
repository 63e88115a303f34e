"""Sessions, lockout and account acts on a real `vidensnet run` process, reached over HTTP as a browser would.

The node locks a username after 3 failures and allows 10 failed logins a minute per address; the tests
that fail logins run in file order, the per-address limit last.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, query, wait_for
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A running node with an admin and an editor."""
    live = LiveNode(tmp_path_factory.mktemp("sessions") / "aarhus", "Aarhus Kommune", "municipality",
                    municipality="0751")
    live.env.update({"VIDENSNET_LOGIN_LOCKOUT_FAILURES": "3", "VIDENSNET_LOGIN_RATE": "10/minute"})
    live.add_user("redaktoer", "editor", PASSWORD)
    live.start()
    yield live
    live.stop()


def _attempt(node, browser: requests.Session, username: str, password: str) -> requests.Response:
    page = browser.get(node.url + "/login", timeout=HTTP_TIMEOUT).text
    return browser.post(node.url + "/login", data={"username": username, "password": password,
                                                   "csrf_token": csrf_token(page)},
                        allow_redirects=False, timeout=HTTP_TIMEOUT)


def _browser(node, username: str = "admin", password: str = PASSWORD) -> requests.Session:
    browser = requests.Session()
    browser.trust_env = False  # straight to 127.0.0.1, whatever http_proxy says
    assert _attempt(node, browser, username, password).status_code == 302
    return browser


def _copy(browser: requests.Session) -> requests.Session:
    copy = requests.Session()
    copy.trust_env = False
    copy.cookies.update(browser.cookies)
    return copy


def _opens(node, browser: requests.Session, path: str) -> bool:
    return browser.get(node.url + path, allow_redirects=False, timeout=HTTP_TIMEOUT).status_code == 200


def _post(node, browser: requests.Session, path: str, **data) -> requests.Response:
    token = csrf_token(browser.get(node.url + "/konto", timeout=HTTP_TIMEOUT).text)
    return browser.post(node.url + path, data={"csrf_token": token, **data}, allow_redirects=False,
                        timeout=HTTP_TIMEOUT)


def test_a_session_cookie_copied_before_logout_no_longer_opens_admin_after_it(node):
    browser = _browser(node)
    copy = _copy(browser)
    assert _opens(node, copy, "/admin/")
    assert _post(node, browser, "/logout").status_code == 302
    assert not _opens(node, copy, "/admin/")
    assert not _opens(node, browser, "/admin/")


def test_log_out_on_all_devices_ends_the_session_of_a_second_browser(node):
    laptop, phone = _browser(node, "redaktoer"), _browser(node, "redaktoer")
    assert _opens(node, phone, "/konto")
    _post(node, laptop, "/konto/log-ud-overalt")
    assert not _opens(node, phone, "/konto") and not _opens(node, laptop, "/konto")


def test_disabling_a_user_at_the_command_line_stops_their_open_session_and_token_at_once(node):
    browser = _browser(node, "redaktoer")
    token = node.api_token("redaktoer")
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(node.url + "/api/v1/items", headers=headers, timeout=HTTP_TIMEOUT).status_code == 200
    assert "deaktiveret" in node.cli("user", "disable", "redaktoer").stdout
    assert not _opens(node, browser, "/konto")
    refused = requests.get(node.url + "/api/v1/items", headers=headers, timeout=HTTP_TIMEOUT)
    assert refused.status_code == 401 and refused.json()["error"]["message"] == "kontoen bag API-nøglen er deaktiveret"
    node.cli("user", "enable", "redaktoer")
    assert requests.get(node.url + "/api/v1/items", headers=headers, timeout=HTTP_TIMEOUT).status_code == 200


def test_a_token_revoked_at_the_command_line_or_expired_answers_401_with_its_reason(node):
    revoked, expiring = node.api_token("redaktoer"), node.api_token("redaktoer")
    listed = node.cli("user", "token", "list", "redaktoer").stdout
    ids = [int(i) for i in re.findall(r"^\s*(\d+) redaktoer", listed, re.M)]
    node.cli("user", "token", "revoke", str(ids[-2]))
    # Expiry is a time in the database; moving it into the past stands in for waiting a year.
    query(node, "UPDATE api_tokens SET expires_at = '2020-01-01 00:00:00.000000' WHERE id = ?", ids[-1])
    answers = {name: requests.get(node.url + "/api/v1/items", headers={"Authorization": f"Bearer {secret}"},
                                  timeout=HTTP_TIMEOUT) for name, secret in (("revoked", revoked),
                                                                             ("expired", expiring))}
    assert [a.status_code for a in answers.values()] == [401, 401]
    assert answers["revoked"].json()["error"]["message"] == "API-nøglen er tilbagekaldt"
    assert answers["expired"].json()["error"]["message"].startswith("API-nøglen er udløbet")


def test_repeated_failed_logins_lock_the_account_with_a_danish_message_also_for_an_unknown_username(node):
    browser = requests.Session()
    browser.trust_env = False
    for username in ("admin", "ingen-saadan-bruger"):
        assert [_attempt(node, browser, username, "forkert-kode-123").status_code for _ in range(3)] == [401] * 3
        locked = _attempt(node, browser, username, PASSWORD)
        assert locked.status_code == 429
        assert "For mange mislykkede loginforsøg med dette brugernavn" in locked.text
    outcomes = query(node, "SELECT username, outcome FROM login_attempts WHERE outcome = 'locked'")
    assert sorted(outcomes) == [("admin", "locked"), ("ingen-saadan-bruger", "locked")]
    assert _attempt(node, browser, "redaktoer", PASSWORD).status_code == 302


def test_failed_logins_from_one_address_answer_429_in_danish_over_the_limit(node):
    browser = requests.Session()
    browser.trust_env = False
    statuses = []

    def throttled() -> bool:
        statuses.append(_attempt(node, browser, f"gaet-{len(statuses)}", "forkert-kode-123").status_code)
        return statuses[-1] == 429
    wait_for(throttled, timeout=120, interval=0, message="the per-address limit")
    assert len(statuses) <= 11
    answer = _attempt(node, browser, "redaktoer", PASSWORD)
    assert answer.status_code == 429 and "For mange mislykkede loginforsøg fra din adresse" in answer.text
    assert query(node, "SELECT count(*) FROM login_attempts WHERE outcome = 'throttled'")[0][0] >= 2
