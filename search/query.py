"""Searching as a given viewer: audience filters inside Meilisearch, facets, highlights and pages."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from node.core.translation import gettext as _
from node.items.tags import tag_key
from search.danish import words_of
from search.settings import FACETS
from search.vocabulary import content_terms, question_words

HITS_PER_PAGE = 20
# Control characters never occur in stored text (validation refuses them), so they mark highlights safely.
MARK_START, MARK_END = "\x02", "\x03"
# Reversed, the word before a start mark is the word after it: patterns that begin with a mark are found
# by the regex engine's fast literal search, where one that ends with it is tried at every position
# (5 us against 1 us a snippet, measured).
_START_BEFORE_REVERSED_WORD = re.compile(MARK_START + r"(\w+)")
_AFTER_END = re.compile(MARK_END + r"(\w+)")
# Query parameter -> document attribute for the facet filters.
FILTER_PARAMS = {
    "type": "type",
    "origin": "origin",
    "municipality": "municipalities",
    "district": "police_districts",
    "prevention_level": "prevention_level",
    "target_group": "target_groups",
    "cooperation": "cooperation",
    "year": "year",
    "tag": "tag_keys",
}
# The orders a person can choose, by their word in the URL; relevance is the default.
SORTS = ("relevans", "dato")
# How Meilisearch drops words when not every word is found, per shape of query (query_shape), chosen by measuring
# each on the relevance set (docs/search.md): a question's content words are dropped least frequent last.
MATCHING_STRATEGIES = {"question": "frequency", "words": "last", "word": "last"}


@dataclass(frozen=True)
class SearchRequest:
    """What someone asked for: words, facet filters, an order and a page."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    page: int = 1
    sort: str = SORTS[0]

    @classmethod
    def from_args(cls, args) -> SearchRequest:
        """Read q, the facet filters, sort and page from query parameters; raises ValueError naming a bad one."""
        # The messages are in the interface language; the API's is Danish, as the API always is.
        try:
            page = int(args.get("page") or 1)
        except ValueError:
            raise ValueError(_("page: skal være et helt tal")) from None
        if page < 1 or page > 1000:
            raise ValueError(_("page: skal være mellem 1 og 1000"))
        filters = {k: args[k] for k in FILTER_PARAMS if args.get(k)}
        if "year" in filters and not filters["year"].isdigit():
            raise ValueError(_("year: skal være et årstal"))
        sort = args.get("sort") or SORTS[0]
        if sort not in SORTS:
            raise ValueError(_("sort: skal være relevans eller dato"))
        return cls((args.get("q") or "").strip()[:300], filters, page, sort)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def audience_filter(logged_in: bool, now: float | None = None) -> str:
    """What the viewer may see, as a Meilisearch filter: anonymous visitors only public items."""
    live = f"(expires_ts = 0 OR expires_ts > {int(now if now is not None else time.time())})"
    return live if logged_in else f'{live} AND audience_kind = "public"'


def search_options(request: SearchRequest, logged_in: bool) -> dict[str, Any]:
    """The Meilisearch search parameters for a request, audience filter included."""
    clauses = [audience_filter(logged_in)]
    for param, value in sorted(request.filters.items()):
        attribute = FILTER_PARAMS[param]
        if attribute == "year":
            clauses.append(f"{attribute} = {value}")
        else:
            clauses.append(f"{attribute} = {_quote(tag_key(value) if param == 'tag' else value)}")
    options = {
        "filter": " AND ".join(clauses),
        "facets": list(FACETS),
        "page": request.page,
        "hitsPerPage": HITS_PER_PAGE,
        "attributesToHighlight": ["title", "summary"],
        "attributesToCrop": ["summary"],
        "cropLength": 40,
        "highlightPreTag": MARK_START,
        "highlightPostTag": MARK_END,
        "matchingStrategy": MATCHING_STRATEGIES[query_shape(request.q)],
    }
    if not request.q or request.sort == "dato":
        options["sort"] = ["published_ts:desc"]  # browsing, or asked for: newest first
    return options


def whole_words(formatted: str) -> str:
    """Highlight marks widened to the whole words they are in: a stem matched ('bekymringssamtal') marks the word."""
    if MARK_START in formatted:
        formatted = _START_BEFORE_REVERSED_WORD.sub(r"\1" + MARK_START, formatted[::-1])[::-1]
    if MARK_END in formatted:
        formatted = _AFTER_END.sub(r"\1" + MARK_END, formatted)
    return formatted


def safe_highlight(formatted: str) -> Markup:
    """Meilisearch's highlighted text, HTML-escaped, with only our <mark> tags put back, around whole words."""
    if MARK_START not in formatted and MARK_END not in formatted:
        return escape(formatted)  # nothing matched in this field: only the escaping to do
    escaped = str(escape(whole_words(formatted)))
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def meilisearch_query(request: SearchRequest) -> str:
    """The words sent to Meilisearch: the content words, normalised like the index's `terms`."""
    return content_terms(request.q)


def query_shape(q: str) -> str:
    """"question" (a question word first, or a question mark), "words" (more than one word) or "word"."""
    words = words_of(q, halves=False)
    if q.rstrip().endswith("?") or (words and words[0] in question_words()):
        return "question"
    return "words" if len(words) > 1 else "word"
