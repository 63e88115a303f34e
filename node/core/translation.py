"""The interface's words: written in Danish in the code, translated into English from node/translations/.

Danish is the source language, so a message is its own Danish text. Code below the web layer marks its messages
here; outside a web request (the command line, the worker) and in the API they stay Danish.
"""

from __future__ import annotations

import flask_babel
from markupsafe import Markup, escape

DANISH = "da"


def N_(message: str) -> str:
    """Mark a Danish message for the catalogue without translating it; it is translated where it is shown."""
    return message


def gettext(message: str, **variables: object) -> str:
    """The message in the interface language of the current request, its `%(name)s` places filled in."""
    return flask_babel.gettext(message, **variables)


def ngettext(singular: str, plural: str, count: int, **variables: object) -> str:
    """The singular or plural message for a count (`%(num)d` is the count), in the interface language."""
    return flask_babel.ngettext(singular, plural, count, **variables)


def interface_language() -> str:
    """The language the current request's page is shown in; Danish outside a request."""
    locale = flask_babel.get_locale()  # None outside a request
    return str(locale) if locale else DANISH


def danish(text: str, tag: str = "span") -> str | Markup:
    """Content or a name as written, marked `lang="da"` for screen readers on a page in another language.

    A Danish page needs no mark (the whole page is Danish), so there the text stays as it always read; `tag`
    is "tspan" inside SVG, where an HTML span would end the drawing.
    """
    if interface_language() == DANISH:
        return text
    return Markup('<{tag} lang="da">{text}</{tag}>').format(tag=Markup(tag), text=text)


def da() -> Markup:
    """The attribute ` lang="da"` for an element holding only Danish content, on a page in another language."""
    return Markup("") if interface_language() == DANISH else Markup(' lang="da"')


def naming(message: str, words: dict[str, str] | None = None, **names: str) -> Markup:
    """A translated sentence with names (content, marked Danish by `danish`) and interface `words` put in, escaped."""
    return Markup(escape(message)) % {**{key: danish(value) for key, value in names.items()}, **(words or {})}
