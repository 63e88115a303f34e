"""The interface's words: written in Danish in the code, translated into English from node/translations/.

Danish is the source language, so a message is its own Danish text. Code below the web layer marks its messages
here; outside a web request (the command line, the worker) and in the API they stay Danish.
"""

from __future__ import annotations

import flask_babel


def N_(message: str) -> str:
    """Mark a Danish message for the catalogue without translating it; it is translated where it is shown."""
    return message


def gettext(message: str, **variables: object) -> str:
    """The message in the interface language of the current request, its `%(name)s` places filled in."""
    return flask_babel.gettext(message, **variables)


def ngettext(singular: str, plural: str, count: int, **variables: object) -> str:
    """The singular or plural message for a count (`%(num)d` is the count), in the interface language."""
    return flask_babel.ngettext(singular, plural, count, **variables)
