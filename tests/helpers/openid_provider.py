"""A real OpenID provider for the tests: npm `oidc-provider` (certified, not written here) on 127.0.0.1.

`tests/helpers/oidc_provider/provider.mjs` configures it; deploy/test.sh installs its npm dependencies
(`npm ci` there). Each node registers its own confidential client (dynamic client registration), and a test
changes a user's claims at the provider with `set_account`. `browser_login` drives the provider's login
and consent forms the way a browser does and returns the node callback URL the provider redirected to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from deploy.local_federation import free_port
from tests.helpers.missing_tools import require_installed

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
START_SECONDS = 60  # Node.js starts in well under a second, but a loaded 2-core CI box may be slow
HTTP_TIMEOUT = 30
# The provider's accounts at the start of the session: the `roles` claim varies (a list, a space-separated
# string, none at all).
ACCOUNTS = {
    "anna": {"name": "Anna Andersen", "email": "anna@aarhus.dk", "preferred_username": "anna",
             "roles": ["vidensnet-admin", "medarbejder"]},
    "bo": {"name": "Bo Berg", "email": "bo@aarhus.dk", "preferred_username": "bo", "roles": ["vidensnet-udgiver"]},
    "carl": {"name": "Carl Christensen", "email": "carl@aarhus.dk", "preferred_username": "carl",
             "roles": "vidensnet-laeser medarbejder"},
    "dorte": {"name": "Dorte Dahl", "email": "dorte@aarhus.dk", "preferred_username": "dorte"},
}
ROLE_MAP = "vidensnet-admin=admin,vidensnet-udgiver=publisher,vidensnet-redaktoer=editor,vidensnet-laeser=reader"


class OpenIDProvider:
    """One `node provider.mjs` process with its accounts file; `url` is its issuer."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.accounts_path = workdir / "accounts.json"
        self.log_path = workdir / "provider.log"
        self.accounts = json.loads(json.dumps(ACCOUNTS))
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Start the provider and wait until its discovery document answers; returns the seconds it took."""
        self._write_accounts()
        began = time.monotonic()
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen([node_binary(), "provider.mjs", str(self.port), str(self.accounts_path)],
                                         cwd=PROVIDER_DIR, stdout=log, stderr=subprocess.STDOUT)
        deadline = began + START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oidc-provider exited with {self.proc.returncode}:\n{self.log_path.read_text()}")
            if self._answers():
                return time.monotonic() - began
            time.sleep(0.1)
        raise RuntimeError(f"oidc-provider did not answer within {START_SECONDS} s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        """Stop the provider (SIGTERM, then SIGKILL)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def register_client(self, node_url: str) -> tuple[str, str]:
        """A new confidential client for the node at `node_url`: (client_id, client_secret)."""
        response = requests.post(self.url + "/reg", timeout=HTTP_TIMEOUT, json={
            "redirect_uris": [node_url + "/login/oidc/callback"], "post_logout_redirect_uris": [node_url + "/"],
            "token_endpoint_auth_method": "client_secret_basic", "response_types": ["code"],
            "grant_types": ["authorization_code"]})
        assert response.status_code == 201, response.text
        return response.json()["client_id"], response.json()["client_secret"]

    def node_env(self, node_url: str, **extra: str) -> dict[str, str]:
        """The VIDENSNET_OIDC_* environment of a node that logs in here, with its own new client."""
        client_id, secret = self.register_client(node_url)
        return {"VIDENSNET_OIDC_ISSUER": self.url, "VIDENSNET_OIDC_CLIENT_ID": client_id,
                "VIDENSNET_OIDC_CLIENT_SECRET": secret, "VIDENSNET_OIDC_NAME": "Aarhus Kommune",
                "VIDENSNET_ROLE_MAP": ROLE_MAP, **extra}

    def set_account(self, login: str, **claims) -> None:
        """Change (or add) an account's claims at the provider; a claim set to None is removed."""
        account = {**self.accounts.get(login, {}), **claims}
        self.accounts[login] = {name: value for name, value in account.items() if value is not None}
        self._write_accounts()

    def _write_accounts(self) -> None:
        # Written beside and renamed into place, so the provider never reads half a file.
        partial = self.accounts_path.with_suffix(".partial")
        partial.write_text(json.dumps(self.accounts), encoding="utf-8")
        os.replace(partial, self.accounts_path)

    def _answers(self) -> bool:
        try:
            return requests.get(self.url + "/.well-known/openid-configuration", timeout=2).status_code == 200
        except requests.RequestException:
            return False


class _Form(HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.links: list[str] = []
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self._in_form = attributes.get("action", ""), True
        elif tag == "input" and self._in_form and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def read_form(html: str) -> _Form:
    """The first form (and the links) of an HTML page."""
    form = _Form()
    form.feed(html)
    return form


def browser() -> requests.Session:
    """A fresh browser: its own cookies, straight to 127.0.0.1 whatever http_proxy says."""
    session = requests.Session()
    session.trust_env = False
    return session


def follow_until(browser_session: requests.Session, response: requests.Response, stop_prefix: str):
    """Follow redirects until one points at `stop_prefix` (returned as a URL) or a page answers (returned)."""
    for _ in range(20):
        location = response.headers.get("Location")
        if response.status_code not in (301, 302, 303, 307) or not location:
            return response
        target = urljoin(response.url, location)
        if target.startswith(stop_prefix):
            return target
        response = browser_session.get(target, allow_redirects=False, timeout=HTTP_TIMEOUT)
    raise AssertionError("too many redirects")


def browser_login(browser_session: requests.Session, authorization_url: str, login: str, node_url: str,
                  *, abort: bool = False) -> str:
    """Log in at the provider as `login` (any password) and consent, as a browser; the node callback URL.

    With `abort`, the user cancels at the provider's login page instead.
    """
    step = follow_until(browser_session, browser_session.get(authorization_url, allow_redirects=False,
                                                             timeout=HTTP_TIMEOUT), node_url)
    for _ in range(3):  # the login form, then the consent form
        if isinstance(step, str):
            return step
        assert step.status_code == 200, step.text
        form = read_form(step.text)
        if abort:
            cancel = next(link for link in form.links if link.endswith("/abort"))
            answer = browser_session.get(urljoin(step.url, cancel), allow_redirects=False, timeout=HTTP_TIMEOUT)
        else:
            fields = {**form.fields, "login": login, "password": "any password"} \
                if form.fields.get("prompt") == "login" else form.fields
            answer = browser_session.post(urljoin(step.url, form.action), data=fields, allow_redirects=False,
                                          timeout=HTTP_TIMEOUT)
        step = follow_until(browser_session, answer, node_url)
    raise AssertionError(f"the provider did not send the browser back to {node_url}")


def confirm_logout(browser_session: requests.Session, logout_url: str, node_url: str) -> str | requests.Response:
    """Answer yes on the provider's logout page; where it sends the browser (a URL at `node_url`, or a page)."""
    page = browser_session.get(logout_url, timeout=HTTP_TIMEOUT)
    assert page.status_code == 200, page.text
    form = read_form(page.text)
    answer = browser_session.post(urljoin(page.url, form.action), data={**form.fields, "logout": "yes"},
                                  allow_redirects=False, timeout=HTTP_TIMEOUT)
    return follow_until(browser_session, answer, node_url)


def node_binary() -> str | None:
    """Node.js for the provider: the copy deploy/test.sh put beside it (where the system's is too old), else PATH."""
    runtime = PROVIDER_DIR / "runtime" / "node_modules" / ".bin" / "node"
    return str(runtime) if runtime.exists() else shutil.which("node")


def node_and_npm_ready() -> str | None:
    """Why the provider cannot run here (None when it can): Node.js 20+ and its npm dependencies."""
    node = node_binary()
    if node is None:
        return "Node.js is not installed; deploy/test.sh installs it (oidc-provider needs Node.js 20 or newer)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        return f"Node.js {version} is too old for oidc-provider 9 (needs 20 or newer); deploy/test.sh installs 22"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        if shutil.which("npm") is None:
            return "npm is not installed, so oidc-provider cannot be installed; deploy/test.sh installs it"
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PROVIDER_DIR, check=True,
                       timeout=600)
    return None


@pytest.fixture(scope="session")
def openid_provider(tmp_path_factory):
    """The session's OpenID provider (oidc-provider on 127.0.0.1 with a free port), stopped at the end."""
    require_installed(node_and_npm_ready())
    provider = OpenIDProvider(tmp_path_factory.mktemp("oidc-provider"))
    try:
        provider.start_seconds = provider.start()
        yield provider
    finally:
        provider.stop()
