"""The Flask application factory: wiring only."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from federation import views as federation_views
from federation.names import node_names
from node.accounts.oidc import OidcProvider
from node.core.config import NodeConfig, load_config
from node.process import NodeProcess, open_process
from node.syndication import views as syndication_views
from node.web import errors, health
from node.web import request as web
from node.web.access_log import init_access_log
from node.web.language import init_language
from node.web.views import (
    account,
    admin,
    api,
    approvals,
    audit,
    auth,
    confirmation,
    editor,
    feed_review,
    metrics,
    network,
    oidc_login,
    pages,
    saml_login,
    users,
)
from search import views as search_views
from search.index import SearchIndex

PACKAGE = Path(__file__).resolve().parents[1]
# In a wheel the templates are inside the package (pyproject.toml maps them there); in a checkout, at the repo root.
TEMPLATES = next(path for path in (PACKAGE / "templates", PACKAGE.parent / "templates") if path.is_dir())


def create_app(config: NodeConfig | None = None, search_index: SearchIndex | None = None,
               process: NodeProcess | None = None) -> Flask:
    """Build the node's web app on a process's set-up; without a search index, search runs degraded (database)."""
    process = process or open_process(config or load_config(), search_index)
    config = process.config
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder=str(PACKAGE / "static"),
    )
    app.config.update(
        SECRET_KEY=config.node.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.node.url.startswith("https://"),
        REMEMBER_COOKIE_SECURE=config.node.url.startswith("https://"),  # Flask-Login's, should it be used
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    # What requests need of the process; node.web.request and the features' views read it from here.
    app.extensions.update({
        "vidensnet": config,
        "vidensnet.local": process.local,
        "vidensnet.sessions": process.sessions,
        "vidensnet.acting": process.acting,
        "vidensnet.search": process.search_index,
        "vidensnet.oidc": OidcProvider(config.login),
        "vidensnet.node_names": node_names,  # for node.web.request.node_name: other nodes by their name
    })
    web.init_app(app, config)
    init_language(app)
    init_access_log(app)
    metrics.init_metrics(app)
    blueprints = (pages.bp, editor.bp, auth.bp, account.bp, admin.bp, users.bp, audit.bp, feed_review.bp, api.bp,
                  approvals.bp, confirmation.bp, errors.bp, syndication_views.bp, federation_views.bp, search_views.bp,
                  oidc_login.bp, health.bp, metrics.bp, network.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    saml_login.init_saml(app)
    auth.init_login_limit(app, config.accounts)
    _trust_proxies(app, config.trusted_proxies)
    return app


def _trust_proxies(app: Flask, proxies: int) -> None:
    # Only the address and scheme are taken from a trusted proxy: links come from the configured public URL
    # (node.web.request.public_url), and X-Forwarded-Prefix is not trusted because that URL already carries
    # any path prefix, so a prefix from the proxy would appear twice.
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
