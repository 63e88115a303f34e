"""Markdown to safe HTML: markdown-it renders (raw HTML off), bleach cleans with an allow-list."""

from __future__ import annotations

from functools import lru_cache

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    "p br hr h2 h3 h4 h5 h6 ul ol li strong em code pre blockquote a table thead tbody tr th td".split()
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Raw HTML in Markdown is escaped, not passed through; tables are the one extension used.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    """Clean HTML down to the allow-list: no scripts, handlers, styles, frames, SVG or unsafe URLs."""
    return _cleaner.clean(html)


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> Markup:
    """Render Markdown to sanitised HTML, safe to put in a page as is."""
    html = _markdown.render(text or "")
    # h1 belongs to the page title; demote author headings so the outline stays valid.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return Markup(sanitise_html(html))
