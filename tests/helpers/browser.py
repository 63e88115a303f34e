"""A real browser for the tests: Debian's Chromium driven by Playwright, with axe-core from npm injected.

deploy/test.sh installs both (`apt-get install chromium`, `npm ci --prefix tests/helpers/axe`); when either is
missing the browser tests fail under CI and are skipped elsewhere (tests/helpers/missing_tools.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.missing_tools import require_installed

__all__ = ["AXE_SCRIPT", "SCREEN_HEIGHT", "WCAG_TAGS", "axe_violations", "browser", "browser_missing", "chromium_path",
           "describe_violations", "horizontal_overflow", "log_in", "new_context", "page_at"]

AXE_SCRIPT = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 level A and AA, the level the project promises; never narrowed to make a page pass.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREEN_HEIGHT = 800
# Elements that stick out of the viewport, innermost first, for the failure message.
_OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map((c) => '.' + c).join('');
  // An element sticks out itself, or its text does (a long word overflowing the element's own box).
  const wide = [...document.body.querySelectorAll('*')].filter((el) => !scrolls(el)
    && el.getBoundingClientRect().left + Math.max(el.scrollWidth, el.getBoundingClientRect().width) > width + 1);
  const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
  return [`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`,
          ...innermost.slice(0, 10).map((el) => `${name(el)} reaches ${Math.round(el.getBoundingClientRect().right)}px`
            + ` (${(el.textContent || '').trim().slice(0, 40)})`)];
}"""


def chromium_path() -> str | None:
    """Debian's Chromium binary, or None when it is not installed."""
    return shutil.which("chromium") or next((p for p in ("/usr/bin/chromium",) if os.access(p, os.X_OK)), None)


def browser_missing() -> str | None:
    """What the browser tests lack (Playwright, Chromium or axe-core), or None when all are there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed; it is in the test extra (pip install -e '.[test]')"
    if chromium_path() is None:
        return "Chromium is not installed; deploy/test.sh installs it from Debian's packages"
    if not AXE_SCRIPT.exists():
        return "axe-core is not installed; deploy/test.sh runs npm ci --prefix tests/helpers/axe"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole test session."""
    require_installed(browser_missing())
    from playwright.sync_api import sync_playwright

    # Chromium refuses to start its sandbox as root (a CI container); as any other user it keeps it.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=args)
        yield chromium
        chromium.close()


def new_context(browser, width: int = 1280):
    """A fresh browser profile (no cookies) whose pages are `width` px wide and have axe-core loaded."""
    context = browser.new_context(viewport={"width": width, "height": SCREEN_HEIGHT}, locale="da-DK")
    # An init script, not a <script> tag: the node's Content-Security-Policy stays in force for its own page.
    context.add_init_script(path=str(AXE_SCRIPT))
    return context


def page_at(context, width: int):
    """A new page in the profile, its window `width` px wide."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": SCREEN_HEIGHT})
    return page


def log_in(context, base_url: str, username: str, password: str) -> None:
    """Log the profile in through the node's login form, as a person would."""
    page = context.new_page()
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    assert "/login" not in page.url, f"{username} could not log in: {page.content()[:2000]}"
    page.close()


def axe_violations(page) -> list[dict]:
    """The page's WCAG 2.1 A/AA violations by axe-core: each rule's id, impact, help and target selectors."""
    script = "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
    result = page.evaluate(script, WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [" ".join(map(str, node["target"])) for node in v["nodes"]]}
            for v in result["violations"]]


def describe_violations(violations: list[dict]) -> str:
    """One line per violated rule, naming the elements to fix."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}: {', '.join(v['targets'][:8])}" for v in violations)


def horizontal_overflow(page) -> list[str]:
    """Empty when the page fits its window; otherwise the page's width and the elements that stick out."""
    return page.evaluate(_OVERFLOW_SCRIPT)
