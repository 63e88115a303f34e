"""The waiting list and the rejection log stay bounded in age and size, whatever peers send."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from federation import ingest
from federation.ingest import prune_ingest_logs
from federation.models import Rejection, WaitingEnvelope
from node.core.models import utcnow


def add_rows(session, count: int, at) -> None:
    for n in range(count):
        session.add(WaitingEnvelope(item_id=f"x:{n}", origin="x", version=1, envelope="{}", received_from="p",
                                    reason="ukendt nøgle", received_at=at))
        session.add(Rejection(received_from="p", item_id=f"x:{n}", version=1, reason="forkert signatur", at=at))


def counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        return (session.scalar(select(func.count()).select_from(WaitingEnvelope)),
                session.scalar(select(func.count()).select_from(Rejection)))


def test_rows_older_than_their_limit_are_pruned_and_recent_ones_kept(sessions):
    now = utcnow()
    with sessions.begin() as session:
        add_rows(session, 3, now - timedelta(days=100))
        add_rows(session, 2, now - timedelta(days=1))
    with sessions.begin() as session:
        assert prune_ingest_logs(session, now) == (3, 3)
    assert counts(sessions) == (2, 2)


def test_past_the_size_limit_only_the_newest_rows_are_kept(sessions, monkeypatch):
    monkeypatch.setattr(ingest, "WAITING_MAX", 4)
    monkeypatch.setattr(ingest, "REJECTIONS_MAX", 4)
    now = utcnow()
    with sessions.begin() as session:
        add_rows(session, 5, now - timedelta(hours=2))
        add_rows(session, 3, now - timedelta(hours=1))
    with sessions.begin() as session:
        assert prune_ingest_logs(session, now) == (4, 4)
    with sessions() as session:
        kept = session.scalars(select(Rejection.at).order_by(Rejection.at)).all()
    assert len(kept) == 4 and kept[0] == now - timedelta(hours=2) and kept[-1] == now - timedelta(hours=1)
