"""Four-eyes bulletins: a second publisher approves before a bulletin leaves the node; import counts as approved."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from federation.models import Envelope
from node.core.models import Approval, Item, ItemStatus, User
from node.items.as_json import item_to_json
from node.items.files import import_items
from node.items.publishing import (
    ActingNode,
    PublishingError,
    create_draft,
    publish,
    return_to_draft,
    revise,
    submit_for_approval,
)
from node.items.schema import validate_item
from tests.helpers.nodes import SINKS, acting_node

BULLETIN = {"type": "bulletin", "title": "Grupper af unge ved banegården", "summary": "Flere grupper om aftenen.",
            "police_districts": ["Østjyllands Politi"], "municipalities": ["0751"]}


def as_user(session, username: str) -> ActingNode:
    return ActingNode("aarhus-kommune", SINKS, session.scalar(select(User).where(User.username == username)))


def bulletin(**fields):
    return validate_item({**BULLETIN, **fields}, node_id="aarhus-kommune")


def submitted(session, author: str):
    """A bulletin written by `author` and handed over for approval."""
    item = create_draft(session, as_user(session, author), bulletin())
    return submit_for_approval(session, item, as_user(session, author))


def signed_versions(session, item_id: str) -> int:
    return len(session.scalars(select(Envelope).where(Envelope.item_id == item_id)).all())


def test_bulletin_cannot_be_published_without_being_submitted_for_approval(sessions, two_publishers):
    with sessions.begin() as session:
        item = create_draft(session, as_user(session, "editor"), bulletin())
        with pytest.raises(PublishingError, match="sendes til godkendelse"):
            publish(session, item, as_user(session, "publisher"))
        assert item.status == ItemStatus.DRAFT and signed_versions(session, item.id) == 0


def test_author_cannot_approve_own_bulletin_even_as_publisher(sessions, two_publishers):
    with sessions.begin() as session:
        author = as_user(session, "publisher")
        item = create_draft(session, author, bulletin())
        submit_for_approval(session, item, author)
        with pytest.raises(PublishingError, match="fire øjne"):
            publish(session, item, author)
        assert item.status == ItemStatus.AWAITING_APPROVAL and signed_versions(session, item.id) == 0


def test_an_editor_cannot_approve_a_bulletin(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "publisher")
        with pytest.raises(PublishingError):
            publish(session, item, as_user(session, "editor"))


def test_second_publisher_approves_and_approval_is_recorded_with_who_and_when(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        publish(session, item, as_user(session, "udgiver2"))
        assert item.status == ItemStatus.PUBLISHED and signed_versions(session, item.id) == 1
        assert (item.approval, item.approved_by.username) == (Approval.SECOND_PERSON, "udgiver2")
        assert item.approved_at is not None


def test_changing_a_bulletin_awaiting_approval_sends_it_back_to_draft(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        revise(session, item, as_user(session, "editor"), bulletin(summary="Ændret efter indsendelse."))
        assert item.status == ItemStatus.DRAFT
        with pytest.raises(PublishingError):
            publish(session, item, as_user(session, "udgiver2"))


def test_publisher_can_return_a_bulletin_to_its_author_with_the_reason_kept(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        return_to_draft(session, item, as_user(session, "publisher"), "  Tallene for maj mangler.  ")
        assert item.status == ItemStatus.DRAFT
        assert (item.return_reason, item.returned_by.username) == ("Tallene for maj mangler.", "publisher")
        assert item.returned_at is not None


def test_return_without_a_reason_is_refused_and_the_bulletin_still_awaits_approval(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        with pytest.raises(PublishingError, match="begrundelse"):
            return_to_draft(session, item, as_user(session, "publisher"), "   ")
        assert (item.status, item.return_reason) == (ItemStatus.AWAITING_APPROVAL, None)


def test_published_bulletin_cannot_be_changed_by_a_logged_in_user(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        publish(session, item, as_user(session, "udgiver2"))
        with pytest.raises(PublishingError, match="uden ny godkendelse"):
            revise(session, item, as_user(session, "udgiver2"), bulletin(summary="Rettet uden godkendelse."))
        assert item.version == 1


def test_only_bulletins_go_through_approval(sessions, users):
    with sessions.begin() as session:
        item = create_draft(session, as_user(session, "editor"), validate_item(
            {"type": "method", "title": "Mentorordning", "summary": "En voksen mentor."}, node_id="aarhus-kommune"))
        with pytest.raises(PublishingError, match="tendensbulletin"):
            submit_for_approval(session, item, as_user(session, "editor"))
        publish(session, item, as_user(session, "publisher"))
        assert item.approval is None


def test_administrators_import_counts_as_approved_and_is_recorded_as_such(sessions):
    line = json.dumps({**BULLETIN, "id": "banegaarden"}, ensure_ascii=False)
    with sessions.begin() as session:
        import_items(session, acting_node(), [line])
    with sessions.begin() as session:
        item = session.get(Item, "aarhus-kommune:banegaarden")
        assert item.status == ItemStatus.PUBLISHED
        assert (item.approval, item.approved_by, item.approved_at is not None) == (Approval.ADMIN_IMPORT, None, True)
        assert item.approved_authors == []


def test_publisher_who_rewrote_a_submitted_bulletin_cannot_approve_it(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        rewriter = as_user(session, "publisher")
        revise(session, item, rewriter, bulletin(summary="Omskrevet af udgiveren."))
        submit_for_approval(session, item, rewriter)
        with pytest.raises(PublishingError, match="fire øjne"):
            publish(session, item, rewriter)
        assert item.status == ItemStatus.AWAITING_APPROVAL and signed_versions(session, item.id) == 0
        assert item.content_authors == ["editor", "publisher"]


def test_a_publisher_who_only_resubmitted_may_approve(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        publisher = as_user(session, "publisher")
        return_to_draft(session, item, publisher, "Se tallene igen.")
        revise(session, item, publisher, bulletin())  # the same content saved again: no change of content
        submit_for_approval(session, item, publisher)
        assert item.content_authors == ["editor"]
        publish(session, item, publisher)
        assert (item.status, item.approved_by.username) == (ItemStatus.PUBLISHED, "publisher")


def test_a_third_person_approves_a_version_two_authors_wrote(sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        revise(session, item, as_user(session, "publisher"), bulletin(summary="Omskrevet af udgiveren."))
        submit_for_approval(session, item, as_user(session, "publisher"))
        publish(session, item, as_user(session, "udgiver2"))
        assert item.status == ItemStatus.PUBLISHED and signed_versions(session, item.id) == 1


def test_the_approval_record_names_the_authors_and_the_approver_and_the_next_version_starts_afresh(
        sessions, two_publishers):
    with sessions.begin() as session:
        item = submitted(session, "editor")
        revise(session, item, as_user(session, "publisher"), bulletin(summary="Omskrevet af udgiveren."))
        submit_for_approval(session, item, as_user(session, "publisher"))
        publish(session, item, as_user(session, "udgiver2"))
        approval = item_to_json(item)["approval"]
        assert (approval["kind"], approval["by"]) == ("second_person", "udgiver2")
        assert approval["authors"] == ["editor", "publisher"] and approval["at"] is not None
        assert item.content_authors == []


def test_an_import_adds_no_author_and_records_the_users_who_changed_the_draft_it_publishes(sessions, two_publishers):
    with sessions.begin() as session:
        item_id = submitted(session, "editor").id
    line = json.dumps({**BULLETIN, "id": item_id, "summary": "Rettet af administratoren."}, ensure_ascii=False)
    with sessions.begin() as session:
        import_items(session, acting_node(), [line])
    with sessions.begin() as session:
        approval = item_to_json(session.get(Item, item_id))["approval"]
        assert (approval["kind"], approval["by"], approval["authors"]) == ("admin_import", None, ["editor"])
