"""Bulletins per month and theme per district: counted, small counts only as "under N", restricted ones kept out."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from node.core.models import Item, User, utcnow
from node.items.files import import_items
from node.items.queries import ItemFilters
from node.items.trends import (
    NO_DISTRICT,
    BulletinFacts,
    TrendCell,
    district_trends,
    month_span,
    readable_bulletins,
)
from tests.helpers.nodes import acting_node

OST, MIDTVEST = "Østjyllands Politi", "Midt- og Vestjyllands Politi"
SEPTEMBER, OCTOBER, DECEMBER = date(2026, 9, 1), date(2026, 10, 1), date(2026, 12, 1)


def _bulletins(count: int, month: date, *themes: str, districts=(OST,)) -> list[BulletinFacts]:
    return [BulletinFacts(tuple(districts), month, themes) for _ in range(count)]


def test_bulletins_are_counted_per_district_month_and_theme_with_empty_months_between():
    facts = _bulletins(6, SEPTEMBER, "hash") + _bulletins(7, DECEMBER, "hash", "knallerttyveri")
    [trend] = district_trends(facts, threshold=5)
    assert trend.district == OST and trend.months == [SEPTEMBER, OCTOBER, date(2026, 11, 1), DECEMBER]
    assert trend.themes == ["hash", "knallerttyveri"]  # most used first
    assert [c.shown for c in trend.rows["hash"]] == ["6", "0", "0", "7"]
    assert [c.shown for c in trend.rows["knallerttyveri"]] == ["0", "0", "0", "7"]
    assert trend.scale == 7


def test_a_count_below_the_threshold_is_shown_only_as_under_n_never_as_the_number():
    [trend] = district_trends(_bulletins(3, SEPTEMBER, "hash") + _bulletins(5, OCTOBER, "hash"), threshold=5)
    assert trend.rows["hash"] == [TrendCell(None, 5), TrendCell(5)]
    assert [c.shown for c in trend.rows["hash"]] == ["under 5", "5"]
    [strict] = district_trends(_bulletins(4, SEPTEMBER, "hash"), threshold=3)
    assert strict.rows["hash"][0].shown == "4"


def test_a_bulletin_for_two_districts_counts_in_both_and_one_without_a_district_comes_last():
    facts = _bulletins(5, SEPTEMBER, "grupper", districts=(OST, MIDTVEST)) + _bulletins(5, SEPTEMBER, "x", districts=())
    trends = district_trends(facts, threshold=5)
    assert [t.district for t in trends] == [MIDTVEST, OST, NO_DISTRICT]
    assert all(t.rows[t.themes[0]][0].shown == "5" for t in trends)


def test_a_district_whose_bulletins_have_no_keywords_gets_no_chart():
    assert district_trends(_bulletins(6, SEPTEMBER, districts=(MIDTVEST,)), threshold=5) == []


def test_only_the_most_used_themes_and_the_latest_twelve_months_are_charted():
    facts = [b for i, theme in enumerate("abcdefg") for b in _bulletins(i + 1, SEPTEMBER, theme)]
    [trend] = district_trends(facts, threshold=2, themes_per_district=3)
    assert trend.themes == ["g", "f", "e"]
    months = month_span([date(2025, 1, 1), date(2026, 6, 1)])
    assert len(months) == 12 and months[0] == date(2025, 7, 1) and months[-1] == date(2026, 6, 1)


def _bulletin_line(local_id: str, audience, tag: str) -> str:
    return json.dumps({"id": local_id, "type": "bulletin", "title": f"Bulletin {local_id}", "summary": "Tendens.",
                       "audience": audience, "tags": [tag], "police_districts": [OST],
                       "details": {"period_start": "2026-09-01", "period_end": "2026-09-30", "area": "Aarhus"}},
                      ensure_ascii=False)


@pytest.fixture
def bulletins(sessions):
    """Six bulletins for the whole network about hash, six for the district only about knives, one expired."""
    lines = [_bulletin_line(f"hash-{i}", "network", "hash") for i in range(6)]
    lines += [_bulletin_line(f"kniv-{i}", {"districts": [OST]}, "knive") for i in range(6)]
    lines.append(_bulletin_line("udloebet", "network", "hash"))
    with sessions.begin() as session:
        import_items(session, acting_node(), lines)
        session.get(Item, "aarhus-kommune:udloebet").expires_at = utcnow() - timedelta(minutes=1)


def test_an_anonymous_visitors_chart_never_counts_restricted_bulletins(sessions, bulletins):
    with sessions() as session:
        assert readable_bulletins(session, None, ItemFilters(type="bulletin")) == []


def test_a_logged_in_users_chart_counts_the_live_bulletins_the_list_shows_under_its_filters(
        sessions, users, bulletins):
    with sessions() as session:
        reader = session.query(User).filter_by(username="reader").one()
        [trend] = district_trends(readable_bulletins(session, reader, ItemFilters(type="bulletin")), 5)
        [only_hash] = district_trends(readable_bulletins(
            session, reader, ItemFilters(type="bulletin", terms=(("tags", "hash"),))), 5)
    assert trend.themes == ["hash", "knive"] and [c.shown for c in trend.rows["hash"]] == ["6"]  # not the expired
    assert only_hash.themes == ["hash"]
