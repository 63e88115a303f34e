"""Error responses: a page for people in the interface language, JSON (always Danish) for the API."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from node.core.translation import N_
from node.core.translation import gettext as _

bp = Blueprint("errors", __name__)
JSON_PATHS = ("/api/", "/federation/", "/.well-known/")

DANISH_TITLES = {
    400: N_("Ugyldig forespørgsel"),
    401: N_("Log ind for at fortsætte"),
    403: N_("Du har ikke adgang"),
    404: N_("Siden findes ikke"),
    405: N_("Metoden er ikke tilladt"),
    409: N_("Konflikt"),
    413: N_("For stor forespørgsel"),
    422: N_("Ugyldige data"),
    429: N_("For mange forsøg"),
    503: N_("Prøv igen om lidt"),
}


def json_error(code: int, message: str, fields: dict[str, str] | None = None):
    """A JSON error body with a message (and field errors) and the status code."""
    body: dict = {"error": {"status": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), code


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """JSON for the API and the federation, otherwise the error page."""
    code = error.code or 500
    if request.path.startswith(JSON_PATHS):
        return json_error(code, error.description or DANISH_TITLES.get(code, error.name))
    title = _(DANISH_TITLES[code]) if code in DANISH_TITLES else error.name
    detail = error.description if code in (400, 409, 429, 503) else None  # each carries a reason for the user
    return render_template("error.html", code=code, title=title, detail=detail), code
