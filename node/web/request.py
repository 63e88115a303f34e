"""Request plumbing shared by the views: the database session, login, CSRF, headers, template helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import Flask, Response, abort, current_app, flash, g, request, session, url_for
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.routing.converters import UnicodeConverter

from node.accounts.sessions import Lifetimes, record_session_seen, session_user
from node.accounts.users import ROLE_LABELS, TokenRefused, has_role, record_token_use, user_for_token
from node.core.config import NodeConfig
from node.core.db import without_waiting
from node.core.geography import municipality_name
from node.core.models import Item, Role, User, utcnow
from node.core.translation import N_
from node.core.translation import gettext as _
from node.items.publishing import ActingNode, find_item
from node.items.rendering import render_markdown
from node.items.vocabulary import TYPE_PLURALS, TYPES
from node.privacy.small_counts import shown_count, suppress_observations
from node.web.dates import dato, tidspunkt
from node.web.labels import definite, joined, key_source, label, new_item_heading
from node.web.reasons import adds_detail, danish_reason

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Log ind for at se siden.")
# Flask-Login flashes the message through this, so it is shown in the interface language.
login_manager.localize_callback = _
# The flask session item holding the key of the request's login session (node.accounts.sessions).
SESSION_KEY = "login_session"
# The flask session item holding where /logout sends the browser on to, for a user who logged in through an
# organisation's provider that offers logout (OpenID Connect RP-initiated logout); set by that login's view.
PROVIDER_LOGOUT_KEY = "provider_logout"

# No inline script or style anywhere: every page works with this policy.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_SECURITY_HEADERS_LOWER = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]


def init_app(app: Flask, config: NodeConfig) -> None:
    """Attach login, CSRF, the request hooks and the template helpers to the app."""
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    app.teardown_appcontext(_close_session)
    app.after_request(_add_security_headers)
    app.context_processor(_template_globals)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["municipality"] = municipality_name
    app.jinja_env.filters["shown_observations"] = lambda obs: suppress_observations(obs, config.small_count_threshold)
    app.jinja_env.filters["shown_count"] = shown_count
    app.jinja_env.filters.update(label=label, dato=dato, tidspunkt=tidspunkt, reason=danish_reason)
    app.jinja_env.globals.update(node_name=node_name, key_source=key_source, reason_detail=adds_detail,
                                 new_item_heading=new_item_heading, definite=definite, joined=joined)


def node_config() -> NodeConfig:
    """The running node's configuration."""
    return current_app.extensions["vidensnet"]


def node_name(node_id: str | None) -> str:
    """A node's name from its descriptor (this node's own from its configuration); its id when no name is known.

    The names are looked up once per request, through the lookup the app registered (`vidensnet.node_names`,
    federation's), so that a page of cards costs one query however many origins it shows.
    """
    if not node_id:
        return ""
    own = node_config().node
    if node_id == own.id:
        return own.name
    if "node_names" not in g:
        lookup = current_app.extensions.get("vidensnet.node_names")
        g.node_names = lookup(db()) if lookup else {}
    return g.node_names.get(node_id) or node_id


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link to an endpoint, from the node's configured public URL.

    Never from the request: its Host header is the client's choice (and behind a proxy not even the
    client's), so links built from it could point callers at another server.
    """
    return node_config().node.url.rstrip("/") + url_for(endpoint, **values)


# An item id no item has, whose quoted form ends the item link's prefix (ids never hold control characters).
_LINK_PLACEHOLDER, _QUOTED_LINK_PLACEHOLDER = "\x00", "%00"


def public_item_links() -> Callable[[str], str]:
    """Absolute links to items' pages, each as public_url("pages.item", item_id=...) makes it, from one url_for.

    A page of search hits needs twenty; url_for costs about 20 us each (measured), the rule's own quoting 1 us.
    """
    before, _, after = public_url("pages.item", item_id=_LINK_PLACEHOLDER).rpartition(_QUOTED_LINK_PLACEHOLDER)
    quoted = UnicodeConverter(current_app.url_map).to_url  # the quoting of the rule's <item_id>
    return lambda item_id: before + quoted(item_id) + after


def acting_node(for_viewer: bool = True) -> ActingNode:
    """This node acting with its rules, for the logged-in user (or, with for_viewer=False, on its own)."""
    if not for_viewer:
        return current_app.extensions["vidensnet.acting"](None)
    return replace(current_app.extensions["vidensnet.acting"](viewer()), address=request.remote_addr)


def own_item(item_id: str) -> Item:
    """An item this node is the origin of, for acting on it; 404 for any other id."""
    item = find_item(db(), item_id)
    if item is None or item.origin != node_config().node.id:
        abort(404)
    return item


def db() -> Session:
    """The database session of this request, opened on first use."""
    if "db" not in g:
        g.db = current_app.extensions["vidensnet.sessions"]()
    return g.db


def authenticate_bearer() -> None:
    """Act as the user of the request's `Authorization: Bearer` API token, if any; a refused token is a 401."""
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        abort(401, description="ugyldig eller ukendt API-nøgle")
    try:
        g.api_user = user_for_token(db(), token.strip(), utcnow())
    except TokenRefused as refused:
        abort(401, description=str(refused))
    keep_books(lambda session, now: record_token_use(session, token.strip(), now), "token use")


def keep_books(note, what: str) -> None:
    """Run a bookkeeping write `note(session, now)` (True if it wrote) so that it never fails or holds up a request.

    In its own short transaction, and a busy database (a long import holding SQLite's write lock) only
    means this use goes unrecorded.
    """
    sessions = current_app.extensions["vidensnet.sessions"]
    try:
        with sessions.begin() as session, without_waiting(session):
            if note(session, utcnow()):
                session.flush()  # the write happens here, while a locked database makes it fail at once
    except OperationalError:
        current_app.logger.info("%s not recorded: the database is busy", what)


def source_address() -> str:
    """The address the request came from, as the login records and the per-address limit know it."""
    return request.remote_addr or "ukendt"


def session_lifetimes() -> Lifetimes:
    """The idle and absolute lifetimes of login sessions on this node."""
    return Lifetimes.of(node_config().accounts)


def json_body() -> Any:
    """The request's JSON body, or None when it is not JSON; a malformed or too deeply nested one is a 400.

    orjson refuses nesting deeper than 1024 levels with an error, where the standard parser would
    exhaust the interpreter's recursion limit and answer 500.
    """
    if not request.is_json:
        return None
    try:
        return orjson.loads(request.get_data(cache=True))
    except orjson.JSONDecodeError as exc:
        reason = "for dybt indlejret (højst 1024 niveauer)" if "depth" in str(exc) else "ikke gyldig JSON"
        abort(400, description=f"forespørgslens indhold er {reason}")


def json_answer(body: Any) -> Response:
    """A JSON answer encoded by orjson: the same JSON as Flask's, keys in the order given, non-ASCII as UTF-8.

    For answers made only of JSON's own types (str, int, float, bool, None, lists, dicts with str keys): a page
    of search hits (10.5 KB) takes 4 us, against 68 us in Flask's encoder, which sorts the keys and escapes
    every non-ASCII letter (measured).
    """
    return Response(orjson.dumps(body) + b"\n", mimetype="application/json")


def local_path(target: str | None) -> str:
    """A same-site path to go back to, or the front page: never another site (no open redirect)."""
    # Browsers read "/\\host" as "//host", another site, as they do "//host".
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and not urlsplit(target).netloc:
        return target
    return url_for("pages.front")


def viewer() -> User | None:
    """The logged-in user, or None for an anonymous visitor."""
    user = g.get("api_user") or current_user
    return user if getattr(user, "is_authenticated", False) else None


def requires(role: Role):
    """Allow the view only to logged-in users with at least this role."""

    def decorate(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not has_role(viewer(), role):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def _load_user(user_id: str) -> User | None:
    # Flask-Login's user id alone is not enough: the login session the cookie names must still be open,
    # so logging out (here or on all devices), a password change or a disabled account ends every copy.
    key = session.get(SESSION_KEY)
    user = session_user(db(), key, session_lifetimes(), utcnow()) if key else None
    if user is None or str(user.id) != user_id:
        session.clear()
        flash(_("Din session er udløbet eller afsluttet. Log ind igen."))
        return None
    keep_books(lambda books, now: record_session_seen(books, key, now), "session use")
    return user


def _close_session(_exc) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def _add_security_headers(response):
    # A header the view set itself wins. The names are looked at once: werkzeug's setdefault scans the
    # headers twice per name (119 us for these seven, against 19 us, measured).
    present = {name.lower() for name in response.headers.keys()}
    for lower, name, value in _SECURITY_HEADERS_LOWER:
        if lower not in present:
            response.headers.add(name, value)
    # viewer() first, as before: it loads the login (and notes its use) even where the view set Cache-Control.
    if (request.path.startswith("/api/") or viewer() is not None) and "cache-control" not in present:
        response.headers.add("Cache-Control", "no-store")
    return response


def _template_globals() -> dict:
    return {
        "node": node_config().node,
        "viewer": viewer(),
        "has_role": has_role,
        "Role": Role,
        "TYPES": TYPES,
        "TYPE_PLURALS": TYPE_PLURALS,
        "ROLE_LABELS": ROLE_LABELS,
        "small_count_threshold": node_config().small_count_threshold,
        "accessibility_statement_url": node_config().accessibility_statement_url,
        "public_network_page": node_config().public_network_page,
    }
