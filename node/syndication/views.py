"""Atom and RSS feeds of the public items this node holds: everything, per origin node, per type, per tag.

Feeds are for anyone, so they always list what an anonymous visitor may read,
whoever asks. See docs/feeds.md for the URLs and rules.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, request, url_for

from node.core.ids import NODE_ID
from node.core.models import Item
from node.items.queries import ItemFilters, list_items
from node.items.vocabulary import TYPE_PLURALS, TYPES
from node.syndication.builder import FeedFormat, FeedSpec, build_feed
from node.web.request import db, node_config, public_url

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

# Newest entries per feed; readers keep older ones themselves.
FEED_SIZE = 50
FORMAT = "<any(atom, rss):fmt>"


@bp.get(f"/alle.{FORMAT}")
def everything(fmt: str):
    """Every public item the node holds, from any origin."""
    return _serve(fmt, "alle", "alle offentlige emner", ItemFilters(), url_for("pages.front"))


@bp.get(f"/node/<node_id>.{FORMAT}")
def origin(fmt: str, node_id: str):
    """The public items one origin node published, as this node holds them."""
    if not NODE_ID.fullmatch(node_id):
        abort(404)
    node = node_config().node
    label = f"emner fra {node.name if node_id == node.id else node_id}"
    return _serve(fmt, f"node/{node_id}", label, ItemFilters(origin=node_id), url_for("pages.front"))


@bp.get(f"/type/<item_type>.{FORMAT}")
def of_type(fmt: str, item_type: str):
    """The public items of one type; an unknown type is a 404."""
    if item_type not in TYPES:
        abort(404)
    page = url_for(f"pages.list_{item_type}")
    return _serve(fmt, f"type/{item_type}", TYPE_PLURALS[item_type].lower(), ItemFilters(type=item_type), page)


@bp.get(f"/emneord/<path:tag>.{FORMAT}")
def of_tag(fmt: str, tag: str):
    """The public items of every type that carry one tag (emneord)."""
    filters = ItemFilters(terms=(("tags", tag),))
    return _serve(fmt, f"emneord/{tag}", f"emneordet »{tag}«", filters, url_for("pages.front"))


def _serve(fmt: str, key: str, label: str, filters: ItemFilters, page_path: str) -> Response:
    feed_format = FeedFormat(fmt)
    # user=None: a feed shows what an anonymous visitor may read, even to a logged-in user.
    items = list_items(db(), None, filters, 1, FEED_SIZE).items
    node = node_config().node
    spec = FeedSpec(
        key=key,
        title=f"{node.name}: {label}",
        subtitle=f"Offentlige emner i Vidensnet fra {node.name}, nyeste først",
        node_id=node.id,
        node_name=node.name,
        self_url=public_url(request.endpoint, fmt=fmt, **_route_args()),
        page_url=node_config().node.url.rstrip("/") + page_path,
        item_url=_item_url,
    )
    return _conditional(build_feed(spec, items, feed_format), feed_format)


def _conditional(body: bytes, feed_format: FeedFormat) -> Response:
    response = Response(body, content_type=feed_format.content_type)
    # The ETag is the output's hash, so any change (a retraction too) gives a new one. No
    # Last-Modified: removing an item does not make the newest date newer, so it would hide removals.
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def _route_args() -> dict[str, str]:
    return {k: v for k, v in (request.view_args or {}).items() if k != "fmt"}


def _item_url(item: Item) -> str:
    return public_url("pages.item", item_id=item.id)
