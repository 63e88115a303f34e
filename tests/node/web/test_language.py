"""The language switch: Danish by default, English when chosen (remembered by a cookie), the API always Danish."""

from __future__ import annotations

from node.web.language import COOKIE


def test_pages_are_danish_without_a_choice(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="da">' in page
    assert "Spring til indholdet" in page
    assert 'hreflang="en"' in page and ">English<" in page


def test_the_switch_remembers_english_and_returns_to_the_page(client):
    response = client.get("/sprog/en?tilbage=/praksis?side=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/praksis?side=2"
    cookie = response.headers["Set-Cookie"]
    assert f"{COOKIE}=en" in cookie and "Max-Age=31536000" in cookie and "HttpOnly" in cookie
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Skip to content" in page and "Spring til indholdet" not in page
    assert 'hreflang="da"' in page and ">Dansk<" in page


def test_switching_back_to_danish(client):
    client.get("/sprog/en")
    client.get("/sprog/da")
    assert '<html lang="da">' in client.get("/").get_data(as_text=True)


def test_the_switch_never_sends_a_visitor_to_another_site(client):
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/", "praksis"):
        response = client.get("/sprog/en", query_string={"tilbage": target})
        assert response.headers["Location"] == "/", target


def test_an_unknown_language_or_cookie_value_means_danish(client):
    client.get("/sprog/tlh")
    assert '<html lang="da">' in client.get("/").get_data(as_text=True)
    client.set_cookie(COOKIE, "xx")
    assert '<html lang="da">' in client.get("/").get_data(as_text=True)


def test_the_api_answers_in_danish_whatever_the_cookie(client, tokens):
    def refusal() -> dict:
        response = client.post("/api/v1/items", json={"type": "practice"},
                               headers={"Authorization": f"Bearer {tokens['publisher']}"})
        assert response.status_code == 422
        return response.get_json()
    danish = refusal()
    client.set_cookie(COOKIE, "en")
    assert refusal() == danish
    assert "skal" in str(danish)  # the contract's Danish validation messages
