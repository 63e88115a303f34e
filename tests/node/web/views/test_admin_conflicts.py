"""The admin page names items in conflict by title and their origin by name, in Danish."""

from __future__ import annotations

import html

from federation.ingest import ingest
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.envelopes import ME, envelope, know_origin
from tests.helpers.nodes import SINKS
from tests.helpers.web import login
from tests.node.web.views.admin_english import in_english


def _admin_with_two_versions_in_conflict(app, sessions):
    """An admin's client on a node that received two different versions 1 of one item from Randers."""
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1, title="Natteravne i Vorup"), "randers-kommune", ME, SINKS)
        ingest(session, envelope(1, title="Natteravne i Vorup – anden udgave"), "randers-kommune", ME, SINKS)
    admin = app.test_client()
    login(admin, "admin")
    return admin


def test_the_admin_page_shows_an_item_in_conflict_by_title_and_origin_name(app, sessions, users):
    admin = _admin_with_two_versions_in_conflict(app, sessions)
    page = html.unescape(admin.get("/admin/").get_data(as_text=True))
    section = page.split("Emner i konflikt", 1)[1].split("<h3", 1)[0]
    assert "Natteravne i Vorup / Natteravne i Vorup – anden udgave" in section
    assert "Randers Kommune" in section and "i konflikt" in section
    assert "randers-kommune:plan" not in section  # names, not ids


def test_the_admin_page_says_when_there_are_no_conflicts(app, users):
    admin = app.test_client()
    login(admin, "admin")
    assert "Ingen konflikter." in admin.get("/admin/").get_data(as_text=True)


def test_in_english_an_item_in_conflict_is_told_in_english_with_its_titles_and_origin_marked_danish(
        app, sessions, users):
    admin = _admin_with_two_versions_in_conflict(app, sessions)
    page = in_english(admin).get("/admin/").get_data(as_text=True)
    section = page.split("Items in conflict", 1)[1].split("<h3", 1)[0]
    assert '“<span lang="da">Natteravne i Vorup</span>” via' in section
    assert "<strong>in conflict</strong> – held back" in section
    assert danish_leftovers(page) == []
