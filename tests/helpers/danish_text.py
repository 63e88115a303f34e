"""Danish words left in a page shown in English: the interface's own text outside content marked `lang="da"`.

A heuristic for untranslated messages, not a language detector: text (and the attributes people read) outside
any element with a Danish `lang` that holds æ, ø or å or a word only Danish uses. The head's `<title>` holds
plain text only, so content in it (an item's title, a peer's name) cannot be marked: there the text the page
marks Danish elsewhere is left out before the check.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Common Danish words that are not English words as well ("her", "side", "den" and "hold" are).
DANISH_WORDS = frozenset("""
og ikke af til med på er der det eller fra som har kan skal ved efter ingen være vises denne dette disse hvis
når også kun blev bliver alle nye ny nyt gem søg udgivet kladde emne emner noden siden mangler fejl godkend
tilbage trukket afvist aktiv venter hentet ukendt ændr slet opret bruger brugere adgangskode navn
""".split())
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description", "value")
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
WORD = re.compile(r"[^\W\d_]+")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, inside Danish content)
        self.found: list[str] = []
        self.title = ""
        self.danish_texts: list[str] = []

    def _danish(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        lang = values.get("lang")
        danish = lang.lower().startswith("da") if lang is not None else self._danish()
        if not danish:
            for name in READ_ATTRIBUTES:
                if values.get(name) and not (name == "value" and values.get("type") not in ("submit", "button")):
                    self._check(values[name])
        if tag not in VOID:
            self.stack.append((tag, danish or tag in ("script", "style")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "title" and not self._danish():
            self.title += data
        elif self._danish():
            self.danish_texts.append(" ".join(data.split()))
        else:
            self._check(data)

    def close(self) -> None:
        super().close()
        title = " ".join(self.title.split())
        for text in sorted(filter(None, self.danish_texts), key=len, reverse=True):
            title = title.replace(text, " ")
        self._check(title)

    def _check(self, text: str) -> None:
        words = [word.lower() for word in WORD.findall(text)]
        if any(set(word) & set("æøå") or word in DANISH_WORDS for word in words):
            self.found.append(" ".join(text.split()))


def danish_leftovers(page: str) -> list[str]:
    """The texts of an English page that look Danish, outside elements marked `lang="da"`."""
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector.found
