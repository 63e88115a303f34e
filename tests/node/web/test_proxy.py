"""Behind a reverse proxy: links follow the configured public URL, and forwarded headers count only when trusted."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from node.core.models import LoginAttempt
from node.web.app import create_app
from tests.helpers.nodes import publish
from tests.helpers.web import api_tokens, csrf_token

CONFIGURED = "http://127.0.0.1:8080"
FORGED = {"Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Port": "443"}


@pytest.mark.parametrize("proxies", [0, 1])
def test_links_in_the_api_feeds_and_search_follow_the_configured_url_whatever_the_headers_say(
        config, sessions, users, proxies):
    publish(sessions, "a", "b")
    app = create_app(replace(config, trusted_proxies=proxies, page_size=1))
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {api_tokens(sessions)['reader']}", **FORGED}
    listing = client.get("/api/v1/items", headers=bearer).get_json()
    hits = client.get("/api/v1/search", headers=bearer).get_json()["hits"]
    feed = client.get("/feeds/alle.atom", headers=FORGED).get_data(as_text=True)
    links = [listing["next"], listing["items"][0]["url"], *(hit["url"] for hit in hits)]
    assert hits and all(link.startswith(CONFIGURED + "/") for link in links), links
    assert CONFIGURED in feed and "evil.example" not in feed


def _failed_login_address(config, sessions, users, proxies: int) -> str:
    client = create_app(replace(config, trusted_proxies=proxies)).test_client()
    socket = {"REMOTE_ADDR": "10.0.0.5"}
    token = csrf_token(client.get("/login", headers=FORGED, environ_base=socket).get_data(as_text=True))
    client.post("/login", data={"username": "editor", "password": "forkert", "csrf_token": token},
                # Flask-WTF checks an https request's Referer against its host, as a browser behind nginx sends it.
                headers={**FORGED, "Referer": "https://evil.example/login"}, environ_base=socket)
    with sessions() as session:
        return session.scalars(select(LoginAttempt.source_address)).one()


def test_a_login_through_one_trusted_proxy_is_recorded_with_the_forwarded_client_address(config, sessions, users):
    assert _failed_login_address(config, sessions, users, proxies=1) == "203.0.113.7"


def test_without_a_trusted_proxy_a_login_is_recorded_with_the_socket_address(config, sessions, users):
    assert _failed_login_address(config, sessions, users, proxies=0) == "10.0.0.5"


def test_cookies_are_secure_exactly_when_the_public_url_is_https(config):
    https = replace(config, node=replace(config.node, url="https://viden.aarhus.dk"))
    assert create_app(https).config["SESSION_COOKIE_SECURE"] is True
    assert create_app(config).config["SESSION_COOKIE_SECURE"] is False
    response = create_app(https).test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
