"""The search's database fallback, origin names and the re-queue of every item, on PostgreSQL as on SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import update

from federation.models import KnownNode
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.items.files import import_items
from node.items.origins import origin_names
from search.indexer import queue_every_item, queued_count
from search.models import IndexState, IndexTask
from search.query import SearchRequest
from search.service import search_items
from tests.helpers.nodes import acting_node


def test_fallback_filters_names_and_requeue_work_on_postgresql(postgresql_server):
    url = postgresql_server.new_database()
    upgrade_database(url)
    sessions = make_sessionmaker(make_engine(url))
    item = {"id": "fravaer", "type": "method", "title": "Indsats mod fravær", "summary": "x", "audience": "public",
            "tags": ["Skolefravær"]}
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(item, ensure_ascii=False)])
        session.add(KnownNode(id="dkr", name="Det Kriminalpræventive Råd", kind="national", public_key="x",
                              descriptor="{}", vouched_by="peering"))
    this_year = str(datetime.now(UTC).year)
    with sessions() as session:
        for filters, total in (({"tag": "SKOLEFRAVAER"}, 1), ({"tag": "skole"}, 0), ({"year": this_year}, 1),
                               ({"year": "1999"}, 0)):
            assert search_items(None, session, SearchRequest("", filters), None).total == total, filters
        assert origin_names(session) == {"dkr": "Det Kriminalpræventive Råd"}
    assert queue_every_item(sessions) == 0  # the import queued it already
    with sessions.begin() as session:
        session.execute(update(IndexTask).values(state=IndexState.DONE))  # as a drain leaves it
    assert queue_every_item(sessions) == 1
    with sessions() as session:
        assert queued_count(session) == 1
