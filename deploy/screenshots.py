"""Screenshots of a demo node's main pages at a desktop and a phone width, into docs/screenshots/.

Run from the repository root with the test dependencies installed (Playwright) and Debian's Chromium:

    .venv/bin/python deploy/screenshots.py

It starts throwaway nodes on 127.0.0.1 (Aarhus with the demo corpus, peered with Randers and Østjyllands Politi),
logs in as an administrator where a page needs
it, and writes <page>-<width>.png for every page in SHOTS; a new page is one line there.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from deploy.local_federation import ChildNode, peer, start_all, stop_all  # noqa: E402

WIDTHS = (1280, 390)
HEIGHT = 900
MAX_HEIGHT = 2400  # a long page is cut here, which keeps every PNG a few hundred kilobytes
OUT = REPO / "docs" / "screenshots"
DEMO_FILES = sorted((REPO / "node" / "demo").glob("*.jsonl"))


@dataclass(frozen=True)
class Shot:
    """A page to photograph: its file name, its path on the node, and whether the administrator must be logged in."""

    name: str
    path: str
    logged_in: bool = False


SHOTS = [
    Shot("forside", "/"),
    Shot("soegning", "/sog?q=bekymringssamtale"),
    Shot("emne", "/items/aarhus-kommune:knallertvaerkstedet-efter-knallerttyveri"),
    Shot("tendensbulletin", "/items/aarhus-kommune:knallerttyveri-aarhus-vest-efteraar-2026", logged_in=True),
    Shot("nyt-emne", "/ny/practice", logged_in=True),
    Shot("administration", "/admin/", logged_in=True),
    Shot("godkendelser", "/godkendelser", logged_in=True),
    Shot("netvaerk", "/admin/netvaerk", logged_in=True),
]
# A bulletin another publisher hands over, so that the approval queue has something in it.
WAITING = {"type": "bulletin", "title": "Uro ved stationen i Aarhus V", "audience": "network",
           "summary": "Grupper af unge samles ved stationen efter skoletid; SSP og politiet følger op.",
           "police_districts": ["Østjyllands Politi"]}


def demo_nodes(root: Path, password: str) -> list[ChildNode]:
    """Aarhus with the demo corpus, an administrator `admin` and a bulletin awaiting approval, peered with
    Randers Kommune and Østjyllands Politi so that the network picture has something to draw; all started."""
    aarhus = ChildNode(root / "aarhus", ready_path="/")
    aarhus.init("Aarhus Kommune", "municipality", municipality="0751")
    for path in DEMO_FILES:
        aarhus.cli("import", str(path))
    aarhus.add_user("admin", "admin", password)
    aarhus.add_user("udgiver", "publisher", password)
    randers, politi = ChildNode(root / "randers", ready_path="/"), ChildNode(root / "politi", ready_path="/")
    randers.init("Randers Kommune", "municipality", municipality="0730")
    politi.init("Østjyllands Politi", "police", district="Østjyllands Politi")
    nodes = [aarhus, randers, politi]
    start_all(nodes)
    peer(aarhus, randers)
    peer(aarhus, politi)
    _hand_over(aarhus, WAITING)
    return nodes


def _hand_over(node: ChildNode, item: dict) -> None:
    # Another publisher writes the bulletin and hands it over for approval, through the API.
    http = requests.Session()
    http.trust_env = False
    http.headers["Authorization"] = "Bearer " + node.api_token("udgiver")
    created = http.post(node.url + "/api/v1/items", json=item, timeout=30)
    created.raise_for_status()
    http.post(f"{node.url}/api/v1/items/{created.json()['id']}/submit", timeout=30).raise_for_status()


def log_in(context, url: str, password: str) -> None:
    """Log the browser profile in as the administrator through the login form."""
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    page.close()


def photograph(browser, url: str, password: str, out: Path) -> list[Path]:
    """Every shot at every width, as full-page PNGs in `out`."""
    written = []
    visitor, admin = browser.new_context(locale="da-DK"), browser.new_context(locale="da-DK")
    log_in(admin, url, password)
    for shot in SHOTS:
        for width in WIDTHS:
            page = (admin if shot.logged_in else visitor).new_page()
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.goto(url + shot.path)
            path = out / f"{shot.name}-{width}.png"
            height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
            page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
            written.append(path)
            page.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Start the demo node, take the screenshots and stop the node."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files (default: docs/screenshots)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium",
                        help="the Chromium binary (default: Debian's)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="vidensnet-screenshots-") as tmp:
        nodes = demo_nodes(Path(tmp), password)
        node = nodes[0]
        try:
            with sync_playwright() as playwright:
                # Chromium's sandbox cannot start as root (a container); as any other user it stays on.
                sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
                browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=sandbox)
                for path in photograph(browser, node.url, password, args.out):
                    print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
                browser.close()
        finally:
            stop_all(nodes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
