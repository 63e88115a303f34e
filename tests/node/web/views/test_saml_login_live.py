"""SAML login on a real `vidensnet run` process configured from the environment as docs/login.md says.

The browser's steps over HTTP: the node's redirect to SimpleSAMLphp, its login form, its auto-POST form to the
node's ACS — posted without the node's cookies, as a browser sends the IdP's cross-site POST to a SameSite=Lax
site — and the landing page with the mapped role. Local login is turned off on this node.
"""

from __future__ import annotations

import pytest

from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, query
from tests.helpers.saml_idp import browser_login, direct_session


@pytest.fixture(scope="module")
def node(tmp_path_factory, simplesamlphp):
    """A running node whose staff log in through SimpleSAMLphp only, registered there from its own metadata."""
    home = tmp_path_factory.mktemp("saml-live")
    live = LiveNode(home / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    live.env.update({
        "VIDENSNET_SAML_IDP_METADATA": str(simplesamlphp.metadata_file(home)),
        "VIDENSNET_SAML_NAME": "Aarhus Kommune",
        "VIDENSNET_SAML_ROLE_ATTRIBUTE": "roles",
        "VIDENSNET_ROLE_MAP": "vidensnet-admin=admin,vidensnet-laeser=reader",
        "VIDENSNET_LOCAL_LOGIN": "false",
    })
    live.start()
    simplesamlphp.register_sp("live", direct_session().get(live.url + "/saml/metadata", timeout=HTTP_TIMEOUT).text)
    yield live
    live.stop()


def test_a_user_logs_in_through_simplesamlphp_on_a_running_node_and_lands_with_the_mapped_role(node):
    browser = direct_session()
    start = browser.get(node.url + "/login/saml?next=/admin/", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert start.status_code == 302
    action, fields = browser_login(browser, start.headers["Location"], "anna")
    assert action == node.url + "/saml/acs"
    cross_site = direct_session()  # no cookie of the node's: only the RelayState leads back to the request
    landed = cross_site.post(action, data=fields, timeout=HTTP_TIMEOUT)
    assert landed.status_code == 200 and landed.url == node.url + "/admin/"
    assert "Anna Admin" in landed.text
    assert query(node, "SELECT u.role, e.protocol, e.provider_name FROM users u JOIN external_identities e "
                       "ON e.user_id = u.id WHERE e.email = 'anna@aarhus.dk'") == [("admin", "saml", "Aarhus Kommune")]


def test_the_login_page_offers_the_organisation_login_and_no_password_form_when_local_login_is_off(node):
    page = direct_session().get(node.url + "/login", timeout=HTTP_TIMEOUT).text
    assert 'href="/login/saml?next=' in page and "Log ind med Aarhus Kommune" in page
    assert 'name="password"' not in page
