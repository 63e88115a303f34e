"""The search API and the search page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from node.core.geography import municipalities, police_districts
from node.items.vocabulary import COOPERATION, PREVENTION_LEVELS, TARGET_GROUPS
from node.web.errors import json_error
from node.web.request import authenticate_bearer, db, viewer
from search.index import SearchIndex
from search.query import SearchRequest
from search.service import search_items

bp = Blueprint("search", __name__)


def search_index() -> SearchIndex | None:
    """The node's search index, or None when the node runs without Meilisearch."""
    return current_app.extensions.get("vidensnet.search")


@bp.get("/api/v1/search")
def api_search():
    """`{"total", "page", "hits": [...], "facets": {...}}` for what the caller may see."""
    authenticate_bearer()  # API readers see their audience, as in the rest of /api/v1
    try:
        search_request = SearchRequest.from_args(request.args)
    except ValueError as exc:
        return json_error(400, str(exc))
    result = search_items(search_index(), db(), search_request, viewer())
    hits = [{**hit, "url": url_for("pages.item", item_id=hit["id"], _external=True),
             "highlight": {k: str(v) for k, v in hit["highlight"].items()}} for hit in result.hits]
    return {"total": result.total, "page": result.page, "hits": hits, "facets": result.facets,
            "degraded": result.degraded}


@bp.get("/sog")
def page():
    """One search box, facet filters with counts, highlighted snippets; works without JavaScript."""
    try:
        search_request = SearchRequest.from_args(request.args)
    except ValueError as exc:
        return render_template("error.html", code=400, title="Ugyldig søgning", detail=str(exc)), 400
    result = search_items(search_index(), db(), search_request, viewer())
    return render_template(
        "search.html", result=result, search=search_request, args=request.args,
        municipalities=municipalities(), police_districts=police_districts(),
        prevention_levels=PREVENTION_LEVELS, target_groups=TARGET_GROUPS, cooperation=COOPERATION,
    )
