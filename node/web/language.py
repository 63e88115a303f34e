"""The interface language: Danish unless a visitor chose English with the switch, which a cookie remembers.

Content (items, names, tags) stays in the language it was written in; only the interface's own words change.
The API and everything outside a web request answer in Danish, the contract's language.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, flash, redirect, request
from flask_babel import Babel

from node.core.translation import DANISH, da, danish, interface_language, naming
from node.core.translation import gettext as _
from node.web.request import local_path, node_config

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
# The languages of the interface, each named in its own language for the switch.
LANGUAGES = {"da": "Dansk", "en": "English"}
DEFAULT = DANISH
COOKIE = "sprog"
COOKIE_DAYS = 365

bp = Blueprint("language", __name__)


def init_language(app: Flask) -> None:
    """Translate the interface from node/translations, in the language the visitor chose."""
    Babel(app, locale_selector=chosen_language, default_translation_directories=str(TRANSLATIONS),
          default_timezone="Europe/Copenhagen")
    app.context_processor(lambda: {"language": interface_language(), "other_languages": _other_languages()})
    app.jinja_env.globals.update(danish=danish, da=da)
    app.register_blueprint(bp)


def chosen_language() -> str:
    """The visitor's choice from the cookie; Danish without one, for the API, and outside a request."""
    if not request or request.path.startswith("/api/"):
        return DEFAULT
    choice = request.cookies.get(COOKIE, DEFAULT)
    return choice if choice in LANGUAGES else DEFAULT


def flash_naming(message: str, words: dict[str, str] | None = None, **names: str) -> None:
    """Flash a message (marked with N_) naming content (`names`, marked Danish) and interface `words` (translated)."""
    flash(naming(_(message), words, **names))


@bp.get("/sprog/<code>")
def switch(code: str):
    """Remember the chosen language and go back to the page the switch was on (a link: works without JavaScript)."""
    if code not in LANGUAGES:
        code = DEFAULT
    response = redirect(local_path(request.args.get("tilbage")))
    response.set_cookie(COOKIE, code, max_age=COOKIE_DAYS * 24 * 3600, httponly=True, samesite="Lax",
                        secure=node_config().node.url.startswith("https://"))
    return response


def _other_languages() -> list[tuple[str, str]]:
    here = interface_language()
    return [(code, name) for code, name in LANGUAGES.items() if code != here]
