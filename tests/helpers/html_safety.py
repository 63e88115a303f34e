"""The one checker of rendered HTML: does anything in it run script, load active content or leave the site?

Used by the XSS suite (tests/node/web/test_xss*.py) and by the feed tests on their HTML fragments.
`executable_parts` lists what it finds (empty when the HTML is safe); `assert_safe_page` checks a
whole response: status, HTML, a strict Content-Security-Policy, nosniff, and nothing executable.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from markupsafe import escape

# Elements that run script, load active content or change how the page is read.
EXECUTABLE_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "math", "style", "base",
                       "applet", "portal", "template", "noscript", "xmp", "noembed", "param"}
# The app draws its charts and the network picture as inline SVG of shapes and text only. Inside <svg> every
# other element is refused: <script>, <foreignObject>, <use>, <a>, <image> and the animation elements
# (<animate>, <set>, which can write a javascript: URL into an attribute) are how SVG runs script.
SVG_SHAPES = {"svg", "g", "rect", "line", "polyline", "polygon", "path", "circle", "ellipse", "text", "tspan",
              "title", "desc", "defs", "marker"}
# Elements the app never emits and the Markdown allow-list never lets through: in a page they
# can only have come from a payload (each is a classic carrier of an event handler).
# (<details> is the app's own now, for technical reasons folded away; its `ontoggle` is caught as any on*.)
FOREIGN_ELEMENTS = {"img", "image", "video", "audio", "source", "track", "marquee", "isindex", "keygen",
                    "bgsound", "layer", "ilayer"}
# The layout has exactly one of each of these (<body> without attributes); a second one comes from a payload.
SINGLE_ELEMENTS = {"html", "head", "body", "title"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "codebase",
                  "archive", "code", "dynsrc", "lowsrc", "ping", "cite", "manifest", "srcset"}
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
# The app's own <link>s: its stylesheets and its same-site feed autodiscovery links.
OUR_STYLESHEETS = tuple({"rel": "stylesheet", "href": f"/static/{name}.css"} for name in ("style", "charts"))
FEED_TYPES = ("application/atom+xml", "application/rss+xml")
# Browsers ignore leading C0 controls and spaces and every tab and newline in a URL. A URL attribute is
# looked at with all of them removed, and again after NFKC with Unicode spaces removed too (stricter still).
_ASCII_IGNORED_IN_URL = re.compile(r"[\x00-\x20]")
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\s\u200b-\u200d\ufeff]")


def _url_readings(value: str) -> tuple[str, str]:
    return (_ASCII_IGNORED_IN_URL.sub("", value).lower(),
            _IGNORED_IN_URL.sub("", unicodedata.normalize("NFKC", value)).lower())


def _our_feed_link(attributes: dict) -> bool:
    # The app's own feed autodiscovery: a same-site feed URL, nothing a payload could point elsewhere.
    return (set(attributes) <= {"rel", "type", "title", "href"} and attributes.get("rel") == "alternate"
            and attributes.get("type") in FEED_TYPES and re.match(r"/feeds/", attributes.get("href") or "") is not None)


class _ExecutableFinder(HTMLParser):
    """Collects every element and attribute in a document that could run script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)  # attribute values arrive entity-decoded
        self.found: list[str] = []
        self.seen: dict[str, int] = {}
        self.svg_depth = 0  # how many <svg> elements the parser is inside

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "svg":
            self.svg_depth += 1
        if self.svg_depth and tag not in SVG_SHAPES:
            self.found.append(f"<{tag}> in <svg>")
        if tag in EXECUTABLE_ELEMENTS or tag in FOREIGN_ELEMENTS:
            self.found.append(f"<{tag}>")
        if tag in SINGLE_ELEMENTS and not (tag == "title" and self.svg_depth):  # an SVG's own <title> is its label
            self.seen[tag] = self.seen.get(tag, 0) + 1
            if self.seen[tag] > 1:
                self.found.append(f"second <{tag}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.found.append(f"<meta http-equiv={attributes['http-equiv']}>")
        if tag == "link" and attributes not in OUR_STYLESHEETS and not _our_feed_link(attributes):
            self.found.append(f"<link {attributes}>")
        # A form posts to this site only: a path from the root, never "//host" or "\\host".
        if tag == "form" and "action" in attributes and not re.match(r"/(?![/\\])", attributes["action"]):
            self.found.append(f"<form action={attributes['action']!r}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("style", "srcdoc"):
                self.found.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and any(url.startswith(UNSAFE_SCHEMES) for url in _url_readings(value)):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.svg_depth -= 1

    def handle_endtag(self, tag):
        if tag == "svg" and self.svg_depth:
            self.svg_depth -= 1


def executable_parts(html: str) -> list[str]:
    """Everything in the HTML that could run script; empty when the HTML is safe."""
    finder = _ExecutableFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return directives


def assert_safe_page(response, where: str, status: int = 200) -> str:
    """The response is an HTML page with a strict script policy and nothing executable; returns its HTML."""
    assert response.status_code == status, f"{where}: HTTP {response.status_code}"
    assert response.mimetype == "text/html", where
    header = response.headers.get("Content-Security-Policy", "")
    policy = csp_directives(header)
    assert "script-src" in policy, f"{where}: no script-src in the Content-Security-Policy"
    assert "script-src 'self'" in header, f"{where}: scripts are not limited to the site's own"
    assert "unsafe-inline" not in header, f"{where}: the Content-Security-Policy allows something inline"
    assert "'unsafe-eval'" not in policy["script-src"], where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    html = response.get_data(as_text=True)
    found = executable_parts(html)
    assert found == [], f"{where}: executable HTML {found}"
    return html


def assert_shown_as_text(html: str, value: str, where: str) -> None:
    """A plain-text value is in the page HTML-escaped, and never raw when it has markup in it."""
    assert str(escape(value)) in html, f"{where}: {value!r} is not shown escaped"
    if "<" in value and len(value) >= 8:
        assert value not in html, f"{where}: {value!r} is in the page unescaped"
