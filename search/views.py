"""The search API and the search page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from node.audit.log import restricted_by_id
from node.audit.models import AuditAct
from node.core.translation import gettext as _
from node.items.origins import origin_names
from node.web.auditing import record_viewer_access
from node.web.errors import json_error
from node.web.request import authenticate_bearer, db, json_answer, node_config, public_item_links, viewer
from search.filters import chosen_filters, facet_panel, link_args
from search.index import SearchIndex
from search.query import SearchRequest
from search.service import search_items
from search.suggestions import suggest

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
    _record_search(result.hits, "API-søgning")
    item_link = public_item_links()
    hits = [{**hit, "url": item_link(hit["id"]),
             "published_at": hit["published_at"].isoformat() if hit["published_at"] else None,
             "highlight": {k: str(v) for k, v in hit["highlight"].items()}} for hit in result.hits]
    return json_answer({"total": result.total, "page": result.page, "hits": hits, "facets": result.facets,
                        "degraded": result.degraded})


@bp.get("/sog")
def page():
    """One search box, the chosen filters as chips, facets in people's words, highlighted snippets; no JavaScript."""
    try:
        search_request = SearchRequest.from_args(request.args)
    except ValueError as exc:
        return render_template("error.html", code=400, title=_("Ugyldig søgning"), detail=str(exc)), 400
    result = search_items(search_index(), db(), search_request, viewer())
    _record_search(result.hits, "Søgesiden")
    origins = node_origin_names()
    suggestions = None if result.degraded else suggest(search_index(), search_request, viewer() is not None,
                                                       result.total)
    return render_template(
        "search.html", result=result, search=search_request, args=request.args, origins=origins,
        suggestions=suggestions,
        chosen=chosen_filters(search_request.filters, origins),
        facets=facet_panel(result.facets, search_request.filters, origins), link_args=link_args,
    )


def node_origin_names() -> dict[str, str]:
    """The names of the nodes items come from, this node's own included, by node id."""
    node = node_config().node
    return {**origin_names(db()), node.id: node.name}


def _record_search(hits: list[dict], where: str) -> None:
    # The index does not carry audiences: the restricted hits are found in the database, by id.
    if viewer() is None:
        return  # an anonymous search covers public items only
    words = "; ".join(f"{name}: {value}" for name, value in request.args.items(multi=True) if name != "page")
    record_viewer_access(AuditAct.SEARCHED, restricted_by_id(db(), [h["id"] for h in hits]), query=words,
                         description=f"{where}, side {request.args.get('page') or 1}")
