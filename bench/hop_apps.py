"""The WSGI apps bench/search_hop.py serves with each server: the node's app, a bare app, and a bare Flask route.

Both are factories, so every server builds them in its own worker processes, as `vidensnet serve` does.
The node is the one in VIDENSNET_HOME, searching the Meilisearch its worker manages.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BARE_BODY_FILE = "VIDENSNET_BENCH_BARE_BODY"  # a file with the body the bare app answers (a real search answer)


def node_app():
    """The node's Flask app, as a web process of `vidensnet serve` builds it."""
    from node.core.config import load_config
    from node.process import open_process
    from node.search_connection import web_search
    from node.web.app import create_app

    config = load_config(Path(os.environ["VIDENSNET_HOME"]))
    return create_app(process=open_process(config, web_search(config.home, config.search)))


def bare_app():
    """A WSGI app that answers every request with the same bytes: what the server and the HTTP hop cost alone."""
    body = Path(os.environ[BARE_BODY_FILE]).read_bytes()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]

    def answer(environ, start_response):
        start_response("200 OK", headers)
        return [body]

    return answer


def flask_floor_app():
    """The least a Flask view in front of the search can do: one route asking Meilisearch as the baseline does.

    No hooks, session, login, shaping or audit: the query is normalised and sent with the node's own client and
    parameters (bench/search_hop.raw_search), and Meilisearch's answer is encoded back. What the node pays above
    this is its own work; what this pays above raw Meilisearch and the bare hop is Flask's dispatch.
    """
    import orjson
    from flask import Flask, Response, request

    from node.core.config import load_config
    from node.search_connection import web_search
    from search.query import SearchRequest, meilisearch_query, search_options

    config = load_config(Path(os.environ["VIDENSNET_HOME"]))
    index = web_search(config.home, config.search)
    app = Flask(__name__)

    @app.get("/api/v1/search")
    def search():
        asked = SearchRequest(request.args.get("q", ""))
        found = index.search(meilisearch_query(asked), search_options(asked, logged_in=False))
        return Response(orjson.dumps(found), mimetype="application/json")

    return app
