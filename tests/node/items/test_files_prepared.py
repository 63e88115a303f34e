"""Import in two phases: preparing (validating, signing) reads only; the write is what the item-by-item path
would have stored, in one transaction, and refuses ids that appeared in between."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from federation.models import Envelope
from node.core.models import Item
from node.items.as_json import item_to_json
from node.items.files import ImportRefused, prepare_import, write_import
from node.items.publishing import create_draft, publish
from node.items.schema import validate_item
from search.models import IndexTask
from tests.helpers.nodes import acting_node

BY = acting_node("aarhus-kommune")
BULLETIN = {"id": "stationen", "type": "bulletin", "title": "Unge ved stationen", "summary": "Flere episoder.",
            "police_districts": ["Østjyllands Politi"], "municipalities": ["0751"], "tags": ["tryghed"],
            "details": {"observations": [{"label": "Samlet", "count": 20}, {"label": "piger", "count": 3},
                                         {"label": "drenge", "count": 17}]}}
READ_ONLY_FIELDS = ("created_at", "updated_at", "published_at", "expires_at")


def rows(sessions) -> tuple[int, int, int]:
    with sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Item, Envelope, IndexTask))


def signed_payload(sessions, item_id: str) -> dict:
    with sessions() as session:
        payload = json.loads(session.scalar(select(Envelope.envelope).where(Envelope.item_id == item_id)))["payload"]
    payload["content"] = {k: v for k, v in payload["content"].items() if k not in READ_ONLY_FIELDS}
    return {k: v for k, v in payload.items() if k not in READ_ONLY_FIELDS}


def shape(sessions, item_id: str) -> dict:
    with sessions() as session:
        data = item_to_json(session.get(Item, item_id))
    data["approval"] = {k: v for k, v in data["approval"].items() if k != "at"}
    return {k: v for k, v in data.items() if k not in READ_ONLY_FIELDS}


def test_preparing_an_import_validates_and_signs_but_writes_nothing(sessions):
    with sessions() as session:
        prepared = prepare_import(session, BY, [json.dumps(BULLETIN), json.dumps({**BULLETIN, "id": "to"})])
        assert not session.new and not session.dirty
    assert len(prepared) == 2 and rows(sessions) == (0, 0, 0)


def test_bulk_written_bulletin_is_stored_and_signed_as_publishing_it_item_by_item_would(sessions):
    with sessions.begin() as session:
        write_import(session, BY, prepare_import(session, BY, [json.dumps(BULLETIN)]))
    with sessions.begin() as session:
        content = validate_item({**BULLETIN, "id": "enkeltvis"}, node_id=BY.node_id, may_override=True,
                                rules=BY.rules)
        publish(session, create_draft(session, BY, content), BY)
    bulk, one_by_one = shape(sessions, "aarhus-kommune:stationen"), shape(sessions, "aarhus-kommune:enkeltvis")
    assert {**bulk, "id": None} == {**one_by_one, "id": None}
    assert bulk["approval"] == {"kind": "admin_import", "by": None, "authors": []}
    bulk_payload = signed_payload(sessions, "aarhus-kommune:stationen")
    assert {**bulk_payload, "id": None} == {**signed_payload(sessions, "aarhus-kommune:enkeltvis"), "id": None}
    assert rows(sessions) == (2, 2, 2)


def test_an_id_created_between_preparing_and_writing_refuses_the_whole_write(sessions):
    lines = [json.dumps({**BULLETIN, "id": "a"}), json.dumps({**BULLETIN, "id": "b"})]
    with sessions() as session:
        prepared = prepare_import(session, BY, lines)
    with sessions.begin() as session:
        write_import(session, BY, prepare_import(session, BY, lines[1:]))
    with pytest.raises(ImportRefused, match="aarhus-kommune:b.*kør den igen"):
        with sessions.begin() as session:
            write_import(session, BY, prepared)
    assert rows(sessions) == (1, 1, 1)
