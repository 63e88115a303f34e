"""OpenID Connect login on a real `vidensnet run` process, configured only by its VIDENSNET_OIDC_* environment,
through a real provider (npm oidc-provider), driven over HTTP as a browser would."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, query
from tests.helpers.openid_provider import browser, browser_login, confirm_logout
from tests.helpers.web import csrf_token


@pytest.fixture(scope="module")
def node(tmp_path_factory, openid_provider):
    """A running node whose users log in at the test provider; its local login is turned off."""
    live = LiveNode(tmp_path_factory.mktemp("oidc") / "aarhus", "Aarhus Kommune", "municipality",
                    municipality="0751")
    live.env.update(openid_provider.node_env(live.url, VIDENSNET_LOCAL_LOGIN="false"))
    live.start()
    yield live
    live.stop()


def _log_in(node, login: str, next_path: str = "/"):
    """A browser that went through the node's login page, the provider and the callback; the last answer."""
    visitor = browser()
    page = visitor.get(node.url + f"/login?next={next_path}", timeout=HTTP_TIMEOUT)
    assert f'href="/login/oidc?next={next_path}"' in page.text
    start = visitor.get(node.url + f"/login/oidc?next={next_path}", allow_redirects=False, timeout=HTTP_TIMEOUT)
    callback = browser_login(visitor, start.headers["Location"], login, node.url)
    assert urlsplit(callback).path == "/login/oidc/callback"
    return visitor, visitor.get(callback, allow_redirects=False, timeout=HTTP_TIMEOUT)


def test_an_admin_valued_user_logs_in_through_the_provider_and_opens_the_admin_page(node):
    visitor, answer = _log_in(node, "anna", "/admin/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"
    assert visitor.get(node.url + "/admin/", allow_redirects=False, timeout=HTTP_TIMEOUT).status_code == 200
    assert query(node, "SELECT u.role, e.protocol, e.subject FROM users u JOIN external_identities e "
                       "ON e.user_id = u.id WHERE u.display_name = 'Anna Andersen'") == [("admin", "oidc", "anna")]


def test_a_publisher_valued_user_lands_as_publisher_and_is_kept_out_of_the_admin_page(node):
    visitor, answer = _log_in(node, "bo")
    assert answer.status_code == 302
    assert visitor.get(node.url + "/konto", allow_redirects=False, timeout=HTTP_TIMEOUT).status_code == 200
    assert visitor.get(node.url + "/admin/", allow_redirects=False, timeout=HTTP_TIMEOUT).status_code == 403
    assert query(node, "SELECT role FROM users WHERE display_name = 'Bo Berg'") == [("publisher",)]


def test_a_user_without_a_role_is_refused_with_the_danish_page_logged_and_in_the_audit_log(node):
    _, answer = _log_in(node, "dorte")
    assert answer.status_code == 403 and "Din organisation har ikke givet dig en rolle" in answer.text
    assert "no role mapped" in node.log_path.read_text()
    assert query(node, "SELECT count(*) FROM audit_events WHERE act = 'login_refused'") == [(1,)]
    assert query(node, "SELECT count(*) FROM users WHERE display_name = 'Dorte Dahl'") == [(0,)]


def test_local_login_is_off_so_only_the_organisation_login_is_offered(node):
    page = browser().get(node.url + "/login", timeout=HTTP_TIMEOUT).text
    assert "Log ind med Aarhus Kommune" in page and 'name="password"' not in page


def test_logout_sends_the_browser_through_the_providers_logout_and_back_to_the_node(node, openid_provider):
    visitor, _ = _log_in(node, "bo")
    token = csrf_token(visitor.get(node.url + "/konto", timeout=HTTP_TIMEOUT).text)
    answer = visitor.post(node.url + "/logout", data={"csrf_token": token}, allow_redirects=False,
                          timeout=HTTP_TIMEOUT)
    assert answer.headers["Location"].startswith(openid_provider.url + "/session/end?")
    assert visitor.get(node.url + "/konto", allow_redirects=False, timeout=HTTP_TIMEOUT).status_code == 302
    assert confirm_logout(visitor, answer.headers["Location"], node.url) == node.url + "/"
