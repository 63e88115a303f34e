"""Item lists: newest change first, filters, pages, a total counted up to a cap, and plans that walk an index."""

from __future__ import annotations

import json

import pytest

from node.core.db import query_plan
from node.core.models import User
from node.items.files import import_items
from node.items.queries import TOTAL_CAP, ItemFilters, latest_statements, list_items, list_statements
from tests.helpers.nodes import acting_node

BY = acting_node("aarhus-kommune")


def _lines(count: int, start: int = 0, **fields) -> list[str]:
    return [json.dumps({"id": f"p{n:04d}", "type": "practice", "title": f"Praksis nummer {n}", "summary": "Resumé.",
                        "audience": "public", **fields}, ensure_ascii=False) for n in range(start, start + count)]


def _import(sessions, lines: list[str]) -> None:
    with sessions.begin() as session:
        import_items(session, BY, lines)


def _ids(page) -> list[str]:
    return [i.local_id for i in page.items]


def test_a_list_shows_the_latest_change_first_and_items_changed_together_by_id_descending(sessions):
    _import(sessions, _lines(3))
    _import(sessions, _lines(1, start=1, summary="Ændret resumé."))
    with sessions() as session:
        page = list_items(session, None, ItemFilters(), 1, 10)
    assert _ids(page) == ["p0001", "p0002", "p0000"]


def test_pages_follow_each_other_without_gaps_or_repeats_and_only_the_last_has_no_next(sessions):
    _import(sessions, _lines(7))
    with sessions() as session:
        pages = [list_items(session, None, ItemFilters(), n, 3) for n in (1, 2, 3)]
    assert [_ids(p) for p in pages] == [["p0006", "p0005", "p0004"], ["p0003", "p0002", "p0001"], ["p0000"]]
    assert [p.has_next for p in pages] == [True, True, False]
    assert {(p.total, p.total_exact, p.pages) for p in pages} == {(7, True, 3)}


def test_filters_by_type_and_term_keep_the_order(sessions):
    _import(sessions, _lines(4, municipalities=["0751"]) + _lines(2, start=4, municipalities=["0730"]))
    _import(sessions, [json.dumps({"id": "m1", "type": "method", "title": "Metode", "summary": "Resumé.",
                                   "audience": "public"})])
    with sessions() as session:
        in_aarhus = list_items(session, None, ItemFilters(terms=(("municipalities", "0751"),)), 1, 10)
        practice = list_items(session, None, ItemFilters(type="practice"), 1, 10)
    assert _ids(in_aarhus) == ["p0003", "p0002", "p0001", "p0000"] and in_aarhus.total == 4
    assert _ids(practice) == ["p0005", "p0004", "p0003", "p0002", "p0001", "p0000"]


def test_a_tag_filter_matches_every_spelling_of_the_tag_and_further_terms_narrow_it(sessions):
    _import(sessions, _lines(2, tags=["Skolefravær"], municipalities=["0751"])
            + _lines(1, start=2, tags=["skolefravaer"], municipalities=["0730"]) + _lines(1, start=3, tags=["Skole"]))
    with sessions() as session:
        tagged = list_items(session, None, ItemFilters(terms=(("tags", "SKOLEFRAVÆR"),)), 1, 10)
        narrowed = list_items(session, None, ItemFilters(terms=(("tags", "skolefravaer"),
                                                                ("municipalities", "0751"))), 1, 10)
    assert (_ids(tagged), tagged.total) == (["p0002", "p0001", "p0000"], 3)
    assert (_ids(narrowed), narrowed.total) == (["p0001", "p0000"], 2)


def test_a_term_held_by_more_than_the_cap_counts_to_the_cap_and_pages_as_the_sorted_matches_would(sessions):
    _import(sessions, _lines(TOTAL_CAP + 1, tags=["natteravne"]))
    filters = ItemFilters(terms=(("tags", "natteravne"),))
    with sessions() as session:
        walked = list_items(session, None, filters, 2, 20)
        sorted_matches, _ = list_statements(None, filters, few=True)
        expected = [i.local_id for i in session.scalars(sorted_matches.offset(20).limit(20))]
    assert (walked.total, walked.total_exact, walked.has_next) == (TOTAL_CAP, False, True)
    assert _ids(walked) == expected == [f"p{n:04d}" for n in range(980, 960, -1)]


def test_the_total_is_exact_up_to_the_cap_and_beyond_it_the_cap_with_pages_unknown(sessions):
    _import(sessions, _lines(TOTAL_CAP))
    with sessions() as session:
        at_cap = list_items(session, None, ItemFilters(), 1, 20)
    _import(sessions, _lines(1, start=TOTAL_CAP))
    with sessions() as session:
        over = list_items(session, None, ItemFilters(), 1, 20)
        last = list_items(session, None, ItemFilters(), (TOTAL_CAP + 1 + 19) // 20, 20)
    assert (at_cap.total, at_cap.total_exact, at_cap.pages) == (TOTAL_CAP, True, TOTAL_CAP // 20)
    assert (over.total, over.total_exact, over.pages, over.has_next) == (TOTAL_CAP, False, None, True)
    assert (len(last.items), last.has_next) == (1, False)


def _plans(session) -> dict[str, str]:
    reader, editor = User(username="laeser", role="reader"), User(username="redaktoer", role="editor")
    lists = {
        "anonymous": list_statements(None, ItemFilters()),
        "logged in": list_statements(reader, ItemFilters()),
        "one type, anonymous": list_statements(None, ItemFilters(type="practice")),
        "one type, logged in": list_statements(reader, ItemFilters(type="practice")),
        "a term": list_statements(None, ItemFilters(terms=(("tags", "natteravne"),))),
        "drafts": list_statements(editor, ItemFilters(status="draft"), drafts=True),
    }
    plans = {name: query_plan(session, rows.offset(40).limit(21)) for name, (rows, _) in lists.items()}
    return {**plans, "front page, anonymous": query_plan(session, latest_statements(None)["plan"]),
            "front page, logged in": query_plan(session, latest_statements(reader)["plan"])}


@pytest.mark.parametrize("name, index", [
    ("anonymous", "ix_items_status_audience_kind_updated_at"), ("logged in", "ix_items_status_updated_at"),
    ("one type, anonymous", "ix_items_type_status_audience_kind_updated_at"),
    ("one type, logged in", "ix_items_type_status_updated_at"),
    ("a term", "ix_items_status_audience_kind_updated_at"), ("drafts", "ix_items_status_updated_at"),
    ("front page, anonymous", "ix_items_type_status_audience_kind_published_at"),
    ("front page, logged in", "ix_items_type_status_published_at"),
])
def test_on_sqlite_a_list_page_walks_the_index_of_its_order_and_sorts_nothing(sessions, name, index):
    _import(sessions, _lines(30))
    with sessions() as session:
        plan = _plans(session)[name]
    assert f"USING INDEX {index} " in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("name", ["a term", "a term's few matches", "two terms"])
def test_on_sqlite_a_terms_count_and_its_few_matches_start_from_the_terms_index(sessions, name):
    _import(sessions, _lines(30, tags=["natteravne"], municipalities=["0751"]))
    terms = (("tags", "natteravne"), ("municipalities", "0751"))
    with sessions() as session:
        rows, count = list_statements(None, ItemFilters(terms=terms[:1]), few=True)
        _, both = list_statements(None, ItemFilters(terms=terms))
        plan = {"a term": query_plan(session, count), "a term's few matches": query_plan(session, rows.limit(21)),
                "two terms": query_plan(session, both)}[name]
    # Each match is then probed in items by its id; no walk down a list's index, no scan of items.
    assert plan.count("USING COVERING INDEX ix_item_terms_field_value (field=? AND value=?)") == 1, plan
    assert "USING INDEX sqlite_autoindex_items_1 (id=?)" in plan and "SCAN items" not in plan, plan
    assert "ix_items_status" not in plan, plan
