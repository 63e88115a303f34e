"""Search as the node's views and scheduler use it: one entry point per job, degraded mode included."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, extract, false, func, or_, select
from sqlalchemy.orm import Session

from node.core.models import Item, User
from node.items.queries import FilterError, ItemFilters
from node.items.visibility import readable_items
from search.index import SearchIndex, SearchUnavailable
from search.query import HITS_PER_PAGE, SearchRequest, meilisearch_query, safe_highlight, search_options


@dataclass
class SearchResult:
    """One page of results, the facet counts, and whether search ran degraded (database fallback)."""

    total: int
    page: int
    hits: list[dict[str, Any]]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    degraded: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // HITS_PER_PAGE))


def search_items(index: SearchIndex | None, session: Session, request: SearchRequest,
                 user: User | None) -> SearchResult:
    """Search what the user may see; when Meilisearch is unreachable, fall back to a simple database search."""
    if index is not None:
        try:
            answer = index.search(meilisearch_query(request), search_options(request, user is not None))
            return SearchResult(answer.get("totalHits", 0), request.page,
                                [_hit(h) for h in answer["hits"]], answer.get("facetDistribution", {}))
        except SearchUnavailable:
            pass
    return _database_search(session, request, user)


def _hit(hit: dict[str, Any]) -> dict[str, Any]:
    formatted = hit.get("_formatted", {})
    return {
        "id": hit["id"], "type": hit["type"], "title": hit["title"], "summary": hit["summary"],
        "origin": hit["origin"], "municipalities": hit.get("municipalities", []),
        "published_at": datetime.fromtimestamp(hit["published_ts"], UTC) if "published_ts" in hit else None,
        "highlight": {name: safe_highlight(formatted.get(name, hit[name])) for name in ("title", "summary")},
    }


def _database_search(session: Session, request: SearchRequest, user: User | None) -> SearchResult:
    where = [readable_items(user), *_filter_conditions(request.filters)]
    for word in request.q.split()[:10]:
        pattern = f"%{word.lower()}%"
        where.append(or_(func.lower(Item.title).like(pattern), func.lower(Item.summary).like(pattern)))
    total = session.scalar(select(func.count()).select_from(Item).where(*where)) or 0
    items = session.scalars(select(Item).where(*where).order_by(Item.published_at.desc())
                            .offset((request.page - 1) * HITS_PER_PAGE).limit(HITS_PER_PAGE)).all()
    hits = [{"id": i.id, "type": i.type, "title": i.title, "summary": i.summary, "origin": i.origin,
             "municipalities": i.municipalities, "published_at": i.published_at or i.updated_at,
             "highlight": {"title": safe_highlight(i.title), "summary": safe_highlight(i.summary)}} for i in items]
    return SearchResult(total, request.page, hits, {}, degraded=True)


def _filter_conditions(filters: dict[str, str]) -> list[ColumnElement[bool]]:
    """The request's filters in SQL, as the list pages apply them; a tag matches across case and æ/ø/å spelling."""
    listed = {name: value for name, value in filters.items() if name != "year"}
    try:
        found = ItemFilters.from_args(listed).conditions()
    except FilterError:  # e.g. a type that does not exist: nothing has it
        return [false()]
    if "year" in filters:
        found.append(extract("year", func.coalesce(Item.published_at, Item.updated_at)) == int(filters["year"]))
    return found
