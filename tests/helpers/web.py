"""Talking to the node's web app as a user: CSRF tokens, logging in through the form, API tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from node.accounts.users import create_api_token
from node.core.models import User
from tests.helpers.nodes import PASSWORD


def csrf_token(html: str) -> str:
    """The CSRF token from the first form in a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log a test client in through the real login form."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def api_tokens(sessions) -> dict[str, str]:
    """A new bearer token for every user, by username."""
    with sessions.begin() as session:
        return {u.username: create_api_token(session, u, "test") for u in session.scalars(select(User))}


def auth(token: str) -> dict[str, str]:
    """The request headers that present a bearer token."""
    return {"Authorization": f"Bearer {token}"}
