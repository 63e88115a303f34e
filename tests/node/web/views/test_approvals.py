"""The approval queue at /godkendelser, the header count, and sending a bulletin back with a reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from node.audit.models import AuditEvent
from node.core.models import Item, ItemStatus
from node.web.dates import time_words as tidspunkt
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.web import csrf_token, login

FORM = {"title": "Grupper af unge ved banegården", "summary": "Flere grupper om aftenen.",
        "audience_kind": "districts", "audience_districts": ["Østjyllands Politi"],
        "police_districts": ["Østjyllands Politi"], "municipalities": ["0751"]}


def post(client, page: str, path: str, data: dict | None = None):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token})


@pytest.fixture
def submitted(app, two_publishers):
    """Publisher A ("publisher") has written a bulletin and sent it for approval; returns A's client and the page."""
    author = app.test_client()
    login(author, "publisher")
    page = post(author, "/ny/bulletin", "/ny/bulletin", {**FORM, "action": "submit"}).headers["Location"]
    return author, page


@pytest.fixture
def approver(app, submitted):
    """Publisher B ("udgiver2", Anden Udgiver), logged in."""
    client = app.test_client()
    login(client, "udgiver2")
    return client


def status_of(sessions, page: str) -> tuple[str, str | None]:
    with sessions() as session:
        item = session.get(Item, page.rsplit("/", 1)[1])
        return item.status, item.return_reason


def test_the_danish_moment_is_in_copenhagen_time_with_the_month_written_out():
    assert tidspunkt(datetime(2026, 12, 2, 13, 5, tzinfo=UTC)) == "2. december 2026 kl. 14.05"
    assert tidspunkt(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == "2. juli 2026 kl. 00.30"


def test_a_bulletin_is_in_the_other_publishers_queue_with_author_date_and_district(approver, submitted, sessions):
    html = approver.get("/godkendelser").get_data(as_text=True)
    assert "Grupper af unge ved banegården" in html and submitted[1].split("localhost")[-1] in html
    assert "Test publisher" in html and "Østjyllands Politi" in html
    with sessions() as session:
        submitted_at = session.scalar(select(Item.updated_at))
    assert tidspunkt(submitted_at) in html and re.search(r"\d+\. \w+ \d{4} kl\. \d\d\.\d\d", html)
    assert "Godkend og udgiv" in html


def test_the_authors_own_bulletin_is_not_in_their_queue(submitted):
    author, _ = submitted
    html = author.get("/godkendelser").get_data(as_text=True)
    assert "Grupper af unge ved banegården" not in html
    assert "Ingen tendensbulletiner venter på din godkendelse." in html


def test_the_header_counts_the_bulletins_waiting_for_this_publisher_only(approver, submitted):
    assert "Godkendelser (1)" in approver.get("/").get_data(as_text=True)
    assert "Godkendelser (0)" in submitted[0].get("/").get_data(as_text=True)


def test_readers_and_editors_get_403_and_no_header_link_and_anonymous_is_sent_to_login(app, submitted):
    assert app.test_client().get("/godkendelser").status_code == 302
    for role in ("reader", "editor"):
        client = app.test_client()
        login(client, role)
        assert client.get("/godkendelser").status_code == 403
        assert "Godkendelser (" not in client.get("/").get_data(as_text=True)


def test_the_queue_listing_is_recorded_in_the_audit_log(approver, sessions):
    approver.get("/godkendelser")
    with sessions() as session:
        descriptions = session.scalars(select(AuditEvent.description)).all()
    assert any("Godkendelseskøen" in (d or "") for d in descriptions)


def test_approving_from_the_queue_publishes_and_empties_the_queue(approver, submitted, sessions):
    item_id = submitted[1].rsplit("/", 1)[1]
    response = post(approver, "/godkendelser", f"/items/{item_id}/udgiv")
    assert response.status_code == 302
    assert status_of(sessions, submitted[1])[0] == ItemStatus.PUBLISHED
    assert "Godkendelser (0)" in approver.get("/godkendelser").get_data(as_text=True)


def test_sending_back_without_a_reason_shows_the_form_again_naming_the_field_and_changes_nothing(
        approver, submitted, sessions):
    page = submitted[1]
    for reason in (None, "   "):
        response = post(approver, page, page + "/tilbage-til-kladde", {} if reason is None else {"begrundelse": reason})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "Begrundelse til forfatteren" in html and 'aria-invalid="true"' in html
        assert status_of(sessions, page) == (ItemStatus.AWAITING_APPROVAL, None)


def test_sent_back_with_a_reason_the_author_sees_who_when_and_why_on_the_item_and_in_the_editor(
        approver, submitted, sessions):
    author, page = submitted
    form = approver.get(page + "/tilbage-til-kladde").get_data(as_text=True)
    assert '<label for="f-begrundelse">Begrundelse til forfatteren</label>' in form
    response = post(approver, page, page + "/tilbage-til-kladde", {"begrundelse": "Tallene for maj mangler."})
    assert response.status_code == 302
    assert status_of(sessions, page) == (ItemStatus.DRAFT, "Tallene for maj mangler.")
    for html in (author.get(page).get_data(as_text=True), author.get(page + "/rediger").get_data(as_text=True)):
        note = re.search(r"Sendt tilbage af Anden Udgiver den (\d+\. \w+ \d{4} kl\. \d\d\.\d\d): Tallene for maj "
                         r"mangler\.", html)
        assert note, html


def test_a_bulletin_waiting_for_approval_shows_no_version_zero(approver, submitted):
    html = approver.get(submitted[1]).get_data(as_text=True)
    assert "<dt>Version</dt><dd>Afventer godkendelse</dd>" in html and "<dd>0</dd>" not in html


def test_the_empty_queue_in_english(app, two_publishers):
    client = app.test_client()
    client.set_cookie("sprog", "en")
    login(client, "udgiver2")
    page = client.get("/godkendelser").get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Trend bulletins for approval</h1>" in page
    assert "No trend bulletins are waiting for your approval." in page
    assert danish_leftovers(page) == []


def test_the_queue_in_english_lists_the_waiting_bulletin_with_its_title_author_and_district_marked_danish(
        approver):
    approver.get("/")  # the login's greeting, flashed in Danish before the switch
    approver.set_cookie("sprog", "en")
    page = approver.get("/godkendelser").get_data(as_text=True)
    assert "Approve and publish" in page and "Send back as a draft" in page and "Sent for approval" in page
    assert '<a href="/items/' in page and 'lang="da">Grupper af unge ved banegården</a>' in page
    assert '<td lang="da">Østjyllands Politi</td>' in page
    assert danish_leftovers(page) == []


def test_the_send_back_form_and_its_missing_reason_in_english(approver, submitted):
    approver.set_cookie("sprog", "en")
    page = submitted[1]
    form = approver.get(page + "/tilbage-til-kladde").get_data(as_text=True)
    assert "Send “Grupper af unge ved banegården” back as a draft" in form
    assert '<label for="f-begrundelse">Reason for the author</label>' in form
    refused = post(approver, page + "/tilbage-til-kladde", page + "/tilbage-til-kladde", {"begrundelse": " "})
    assert refused.status_code == 422
    assert "Reason for the author: write why the trend bulletin is sent back." in refused.get_data(as_text=True)


def test_the_author_reads_in_english_who_sent_the_bulletin_back_with_the_name_and_reason_marked_danish(
        approver, submitted):
    author, page = submitted
    post(approver, page, page + "/tilbage-til-kladde", {"begrundelse": "Tallene for maj mangler."})
    author.set_cookie("sprog", "en")
    author.get(page)  # the confirmation of the earlier submit, flashed in Danish before the switch
    html = author.get(page + "/rediger").get_data(as_text=True)
    assert re.search(r'Sent back by <span lang="da">Anden Udgiver</span> on \d+ \w+ \d{4} at \d\d:\d\d: '
                     r'<span lang="da">Tallene for maj mangler\.</span>', html), html
    assert "Edit trend bulletin" in html and danish_leftovers(html) == []
