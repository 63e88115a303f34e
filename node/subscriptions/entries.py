"""Turning the entries of an external feed into guidance item JSON: stable ids, safe text, the source's attribution.

Feed HTML is never passed through: bodies become Markdown from an allow-list of
tags (markdownify), everything else becomes plain text, and each text is cut to
the item format's limits before `validate_item` sees it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

from node.items.vocabulary import BODY_MAX, LABEL_MAX, SUMMARY_MAX, TAG_MAX, TAGS_MAX, TEXT_MAX, TITLE_MAX

# Elements whose content is never text for a reader; removed with everything inside them.
_DROPPED = ("script", "style", "template", "noscript", "iframe", "frame", "object", "embed", "applet",
            "svg", "math", "head", "title", "form", "button", "select", "textarea")
# Tags kept as Markdown structure; any other tag leaves only its text.
_CONVERTED = ("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "b", "em", "i",
              "code", "pre", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td")
_SAFE_URL = re.compile(r"https?://[^\s<>\"'\x00-\x1f\x7f]+")
_LEFTOVER_TAG = re.compile(r"<[A-Za-z/!?][^>]*(?:>|$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_converter = MarkdownConverter(convert=list(_CONVERTED), heading_style="ATX", bullets="-", escape_misc=True)



def subscription_prefix(feed_url: str) -> str:
    """The local-id prefix shared by every item from one subscription."""
    return f"feed-{hashlib.sha256(feed_url.encode('utf-8')).hexdigest()[:10]}-"


def entry_local_id(feed_url: str, entry: dict[str, Any]) -> str:
    """A local id that is the same for an entry on every refresh: the feed's prefix and a hash of the entry's key."""
    key = entry.get("id") or entry.get("link") or entry.get("title") or ""
    digest = hashlib.sha256(f"{feed_url}\n{key}".encode("utf-8")).hexdigest()[:20]
    return subscription_prefix(feed_url) + digest


def entry_item(feed_url: str, source_title: str, entry: dict[str, Any]) -> dict[str, Any]:
    """Item JSON for one feed entry: public guidance attributed to its source, ready for `validate_item`."""
    title = plain_text(entry.get("title", "")) or "Uden titel"
    summary = plain_text(entry.get("summary", ""))
    full_html = _full_html(entry)
    if full_html is None and len(summary) > SUMMARY_MAX:
        full_html = entry.get("summary")  # a long description is the whole text; the summary is its start
    body = entry_markdown(full_html) if full_html else ""
    return {
        "id": entry_local_id(feed_url, entry), "type": "guidance", "audience": "public",
        "title": _cut(title if len(title) >= 3 else f"{title} …", TITLE_MAX),
        "summary": _cut(summary or plain_text(full_html or "") or title, SUMMARY_MAX),
        "body": _cut(body, BODY_MAX),
        "tags": _tags(entry.get("tags") or []),
        "details": _attribution(feed_url, source_title, _safe_url(entry.get("link"))),
    }


def _attribution(feed_url: str, source_title: str, link: str | None) -> dict[str, Any]:
    # issuer and links are what every guidance item has; source is what the item page shows as "Kilde".
    details: dict[str, Any] = {"issuer": _cut(source_title, TEXT_MAX)}
    if link:
        details["links"] = [{"title": _cut(f"Originalen hos {source_title}", LABEL_MAX), "url": link}]
    details["source"] = {"title": _cut(source_title, LABEL_MAX), "url": link or feed_url}
    return details


def plain_text(html: str) -> str:
    """The readable text of an HTML fragment on one line, without tags or the content of scripts and styles.

    Text that still reads as markup after one pass (escaped HTML, `&lt;script&gt;`) is parsed again,
    so no tag reaches a title or summary even as text.
    """
    text = html or ""
    for _ in range(3):
        soup = BeautifulSoup(text, "html.parser")
        for element in soup(_DROPPED):
            element.decompose()
        # A tag the parser left as text (cut off, say, "<script src=...") is removed too.
        stripped = " ".join(_LEFTOVER_TAG.sub(" ", _clean(soup.get_text(" "))).split())
        if stripped == text:
            break
        text = stripped
    return text


def entry_markdown(html: str) -> str:
    """Markdown for an HTML fragment, keeping only allow-listed structure and http(s) links."""
    soup = BeautifulSoup(html or "", "html.parser")
    for element in soup(_DROPPED):
        element.decompose()
    for anchor in soup("a"):
        href = _safe_url(anchor.get("href"))
        if href is None:
            anchor.unwrap()
        else:
            anchor.attrs = {"href": href}
    markdown = _converter.convert_soup(soup)
    return re.sub(r"\n{3,}", "\n\n", _clean(markdown)).strip()


def _full_html(entry: dict[str, Any]) -> str | None:
    # Atom <content> (or RSS content:encoded) holds the full text; <summary>/<description> only a teaser.
    contents = entry.get("content") or []
    return contents[0].get("value") if contents else None


def _tags(raw: list[dict[str, Any]]) -> list[str]:
    tags = []
    for tag in raw:
        text = _cut(plain_text(tag.get("term") or tag.get("label") or ""), TAG_MAX)
        if text and text not in tags:
            tags.append(text)
    return tags[:TAGS_MAX]


def _safe_url(value: Any) -> str | None:
    # Only plain http(s) addresses survive; javascript:, data: and obfuscated schemes are dropped.
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not _SAFE_URL.fullmatch(value) or len(value) > 500 or not urlsplit(value).netloc:
        return None
    return value


def _clean(text: str) -> str:
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def _cut(text: str, limit: int) -> str:
    """The text within `limit` characters, cut at a word boundary with an ellipsis when too long."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip() + "…"
