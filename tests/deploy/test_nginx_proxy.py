"""A `vidensnet run` node behind real nginx terminating TLS with the project's site (deploy/nginx/vidensnet.conf)."""

from __future__ import annotations

import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, free_port, write_items
from tests.helpers.nginx import Nginx, require_nginx
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token

METHODS = [{"id": f"m{n}", "type": "method", "title": f"Natteravne {n}", "summary": "x", "audience": "public"}
           for n in range(3)]


def test_behind_nginx_links_are_https_cookies_secure_and_the_login_checks_the_https_referer(tmp_path):
    binary = require_nginx()
    public_port = free_port()
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751",
                    url=f"https://127.0.0.1:{public_port}",
                    env={"VIDENSNET_TRUSTED_PROXIES": "1", "VIDENSNET_PAGE_SIZE": "2"})
    node.publish(write_items(tmp_path / "items.jsonl", *METHODS))
    proxy = Nginx(tmp_path / "nginx", [node.port], port=public_port)
    try:
        node.start()
        proxy.start(binary)
        node.verify = str(proxy.cert_path)  # the client checks nginx's certificate: no verify=False anywhere
        listing = node.api("/api/v1/items").json()
        links = [listing["next"], *(item["url"] for item in listing["items"])]
        assert all(link.startswith(proxy.url + "/") for link in links), links
        browser = requests.Session()  # verify per call: REQUESTS_CA_BUNDLE in the environment beats Session.verify
        page = browser.get(proxy.url + "/login", verify=proxy.cert_path, timeout=HTTP_TIMEOUT)
        assert "Secure" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
        # On https Flask-WTF checks the Referer against the request's host: the node sees the request as https
        # only if X-Forwarded-Proto reaches the app (waitress 3 drops it unless told not to), and the host
        # matches only with its port (X-Forwarded-Port: $host alone drops it).
        form = {"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(page.text)}
        assert _login(browser, proxy, form, referer="https://evil.example/login").status_code == 400
        answer = _login(browser, proxy, form, referer=proxy.url + "/login")
        assert answer.status_code == 302, answer.text
        assert "max-age=" in page.headers["Strict-Transport-Security"]
        assert requests.get(proxy.url + "/metrics", verify=proxy.cert_path, timeout=HTTP_TIMEOUT).status_code == 403
    finally:
        proxy.stop()
        node.stop()


def _login(browser: requests.Session, proxy: Nginx, form: dict, referer: str) -> requests.Response:
    return browser.post(proxy.url + "/login", data=form, headers={"Referer": referer}, allow_redirects=False,
                        verify=proxy.cert_path, timeout=HTTP_TIMEOUT)
