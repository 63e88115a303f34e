"""A short Danish description of the browser and system behind a login, for the list of one's own sessions.

The description is stored with the session, so it is written in Danish and translated where it is shown.
"""

from __future__ import annotations

from node.core.translation import gettext as _

# Checked in order: Edge and Opera also name Chrome, Chrome also names Safari, so the specific ones come first.
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari"))
SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
           ("Macintosh", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_device(user_agent: str | None) -> str:
    """E.g. "Firefox på Linux" from a User-Agent header; "Ukendt browser" when it names none we know."""
    agent = user_agent or ""
    browser = next((name for marker, name in BROWSERS if marker in agent), None)
    system = next((name for marker, name in SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser} på {system}"
    if browser or system:
        return browser or f"Ukendt browser på {system}"
    return "Ukendt browser"


def shown_device(description: str) -> str:
    """A stored description ("Firefox på Linux", kept in Danish) in the interface language, for the sessions list."""
    browser, joiner, system = description.partition(" på ")
    if not joiner:
        return _("Ukendt browser") if description == "Ukendt browser" else description
    if browser == "Ukendt browser":
        return _("Ukendt browser på %(system)s", system=system)
    return _("%(browser)s på %(system)s", browser=browser, system=system)
