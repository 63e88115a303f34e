"""Error responses: a Danish page for people, JSON for the API."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

bp = Blueprint("errors", __name__)
JSON_PATHS = ("/api/", "/federation/", "/.well-known/")

DANISH_TITLES = {
    400: "Ugyldig forespørgsel",
    401: "Log ind for at fortsætte",
    403: "Du har ikke adgang",
    404: "Siden findes ikke",
    405: "Metoden er ikke tilladt",
    409: "Konflikt",
    413: "For stor forespørgsel",
    422: "Ugyldige data",
    429: "For mange forsøg",
    503: "Prøv igen om lidt",
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
    title = DANISH_TITLES.get(code, error.name)
    detail = error.description if code in (400, 409, 429, 503) else None  # each carries a Danish reason for the user
    return render_template("error.html", code=code, title=title, detail=detail), code
