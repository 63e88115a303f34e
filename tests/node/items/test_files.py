"""JSON Lines import is all-or-nothing and idempotent; export holds everything."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from node.core.models import Item, ItemStatus
from node.items.files import ImportRefused, import_items, write_export
from node.items.publishing import retract
from node.items.tags import tag_key
from tests.helpers.nodes import acting_node

BY = acting_node("aarhus-kommune")


def line(local_id: str, **fields) -> str:
    data = {"id": local_id, "type": "method", "title": f"Metode {local_id}", "summary": "Kort resumé.",
            "audience": "public", **fields}
    return json.dumps(data, ensure_ascii=False)


def count_items(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Item))


def test_valid_file_publishes_every_line_as_version_one(sessions):
    with sessions.begin() as session:
        report = import_items(session, BY, [line("a"), line("b"), ""])
    assert str(report) == "2 oprettet, 0 opdateret, 0 uændret"
    with sessions() as session:
        item = session.get(Item, "aarhus-kommune:a")
        assert (item.status, item.version, item.origin) == (ItemStatus.PUBLISHED, 1, "aarhus-kommune")


def test_one_bad_line_imports_nothing_and_every_bad_line_is_named(sessions):
    lines = [line("a"), "{not json", line("c", municipalities=["0000"]), line("a")]
    with pytest.raises(ImportRefused) as caught, sessions.begin() as session:
        import_items(session, BY, lines)
    messages = [str(e) for e in caught.value.errors]
    assert [e.line for e in caught.value.errors] == [2, 3, 4]
    assert "ugyldig JSON" in messages[0]
    assert "municipalities" in messages[1] and "0000" in messages[1]
    assert "linje 1" in messages[2]
    assert count_items(sessions) == 0


def test_reimporting_the_same_file_changes_nothing(sessions):
    lines = [line("a"), line("b")]
    with sessions.begin() as session:
        import_items(session, BY, lines)
    with sessions() as session:
        before = {i.id: (i.version, i.updated_at) for i in session.scalars(select(Item))}
    with sessions.begin() as session:
        report = import_items(session, BY, lines)
    assert str(report) == "0 oprettet, 0 opdateret, 2 uændret"
    with sessions() as session:
        assert {i.id: (i.version, i.updated_at) for i in session.scalars(select(Item))} == before


def test_changed_line_becomes_a_new_version(sessions):
    with sessions.begin() as session:
        import_items(session, BY, [line("a")])
    with sessions.begin() as session:
        report = import_items(session, BY, [line("a", summary="Et nyt resumé.")])
    assert str(report) == "0 oprettet, 1 opdateret, 0 uændret"
    with sessions() as session:
        item = session.get(Item, "aarhus-kommune:a")
        assert (item.version, item.summary) == (2, "Et nyt resumé.")


def test_imported_and_reimported_items_get_the_keys_of_their_tags_as_filter_terms(sessions):
    for tags in (["Skolefravær"], ["Øresund", "SKOLEFRAVÆR"]):
        with sessions.begin() as session:
            import_items(session, BY, [line("a", tags=tags)])
        with sessions() as session:
            keys = {t.value for t in session.get(Item, "aarhus-kommune:a").terms if t.field == "tag_keys"}
            assert keys == {tag_key(t) for t in tags} and "skolefravaer" in keys, tags


def test_retracted_id_cannot_be_imported_again(sessions):
    with sessions.begin() as session:
        import_items(session, BY, [line("a")])
    with sessions.begin() as session:
        retract(session, session.get(Item, "aarhus-kommune:a"), BY)
    with pytest.raises(ImportRefused, match="linje 1: id 'aarhus-kommune:a' er retracted"), sessions.begin() as session:
        import_items(session, BY, [line("a")])


def test_line_with_another_nodes_id_is_refused(sessions):
    with pytest.raises(ImportRefused, match="randers-kommune"), sessions.begin() as session:
        import_items(session, BY, [line("randers-kommune:a")])


def test_export_includes_restricted_items_and_round_trips(sessions):
    lines = [line("a"), line("b", audience={"districts": ["Østjyllands Politi"]}), line("c", audience="network")]
    with sessions.begin() as session:
        import_items(session, BY, lines)
    out = io.StringIO()
    with sessions() as session:
        assert write_export(session, out) == 3
    exported = [json.loads(x) for x in out.getvalue().splitlines()]
    assert {e["id"] for e in exported} == {"aarhus-kommune:a", "aarhus-kommune:b", "aarhus-kommune:c"}
    with sessions.begin() as session:
        report = import_items(session, BY, out.getvalue().splitlines())
    assert str(report) == "0 oprettet, 0 opdateret, 3 uændret"


def test_a_line_with_personal_data_refuses_the_whole_import_naming_line_and_field(sessions):
    lines = [line("a"), line("b", body="Familien bor på Skolevej 12.")]
    with pytest.raises(ImportRefused) as caught, sessions.begin() as session:
        import_items(session, BY, lines)
    [error] = caught.value.errors
    assert error.line == 2 and "body" in str(error) and "en adresse" in str(error) and "Skolevej" not in str(error)
    assert count_items(sessions) == 0


def test_the_administrators_import_may_carry_a_publishers_override(sessions):
    override = {"personal_data_override": "Kontaktpersonen har givet samtykke"}
    with sessions.begin() as session:
        import_items(session, BY, [line("a", body="Kontakt Lone Pedersen.", details=override)])
    assert count_items(sessions) == 1
