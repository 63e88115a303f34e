"""Sentences for the reasons stored with peers, external feeds, waiting and rejected data.

The stored reasons are written for the log and the protocol (often English, from the HTTP client, the
wire format or the trust rules, or Danish from this node's own rules); the administrator reads a sentence
about what happened, in the interface's language, and the raw reason beside it as the technical cause.
The kind of error is told by its wording; the sentences are Danish messages translated where shown.
"""

from __future__ import annotations

import re

from node.core.translation import N_, danish
from node.core.translation import gettext as _

# Checked in order: the first pattern that matches the raw reason gives the sentence.
PATTERNS: tuple[tuple[str, str], ...] = (
    (r"serveren svarede HTTP", N_("Feedets server svarede med en fejl i stedet for et feed.")),
    (r"kunne ikke give besked", N_("Noden fik ikke besked om anmodningen om peering; den får det ved næste kontakt.")),
    (r"no complete answer within|timed? ?out|Timeout", N_("Noden svarede ikke inden for tidsgrænsen.")),
    (r"SSLError|certificate", N_("Forbindelsen kunne ikke sikres: nodens certifikat blev ikke godtaget.")),
    (r"ChunkedEncodingError|ConnectionResetError|IncompleteRead|ContentDecodingError",
     N_("Forbindelsen blev afbrudt, før hele svaret var modtaget.")),
    (r"no answer: (ConnectionError|ConnectTimeout|ProxyError)|Connection refused|name not resolved",
     N_("Forbindelsen blev afvist, eller noden kunne ikke nås.")),
    (r"no answer", N_("Noden svarede ikke.")),
    (r"answer larger than|feedet er større end", N_("Svaret var større end tilladt og blev ikke læst.")),
    (r"redirect refused|viderestiller", N_("Adressen sendte videre til en anden adresse, hvilket ikke godtages.")),
    (r"HTTP 40[13]\b", N_("Noden afviste forespørgslen: den godtager ikke denne node (endnu).")),
    (r"HTTP 404\b", N_("Adressen findes ikke på noden.")),
    (r"HTTP 429\b", N_("Noden bad om færre forespørgsler; der prøves igen senere.")),
    (r"HTTP 5\d\d\b", N_("Noden havde en fejl og kunne ikke svare.")),
    (r"HTTP \d{3}", N_("Noden svarede med en fejl.")),
    (r"bad signature|signature", N_("Signaturen kunne ikke bekræftes.")),
    (r"spærret fra", N_("Underskrevet med en nøgle, der er spærret fra det tidspunkt.")),
    (r"tidligere nøgle", N_("Underskrevet med en tidligere nøgle, der ikke længere godtages.")),
    (r"signed in the future", N_("Oplysningerne er underskrevet ude i fremtiden: et af urene går forkert.")),
    (r"older than \d+ days", N_("Oplysningerne er for gamle til at blive godtaget.")),
    (r"known with another key|keys change only",
     N_("Noden er kendt med en anden nøgle; en nøgle skiftes kun ved et signeret nøgleskift.")),
    (r"trust anchor whose configured key differs", N_("Tillidsankeret har en anden nøgle end den, der er sat op her.")),
    (r"does not trust directly|endorsement by", N_("Anbefalingen kommer fra en node, der ikke er tillid til.")),
    (r"descriptor", N_("Nodens beskrivelse af sig selv var ikke gyldig.")),
    (r"pages in one pull", N_("Der var flere ændringer, end der hentes ad gangen; resten hentes ved næste hentning.")),
    (r"feed started again", N_("Nodens ændringsfeed begyndte forfra to gange under samme hentning.")),
    (r"rejected within the hour",
     N_("For mange data fra noden blev afvist inden for en time; hentningen er standset.")),
    (r"outside its audience", N_("Emnet var ikke til denne node: den er uden for emnets målgruppe.")),
    (r"venter på en godkendt nøgle", N_("Venter på en godkendt nøgle for afsenderen.")),
    (r"venter på version", N_("Venter på den version af handleplanen, tilslutningen gælder.")),
    (r"not JSON|malformed|JSON object|entries for a page|payload|lacks|invalid|must|ISO 8601|time zone|"
     r"digest|is not a plan|not the node of",
     N_("Svaret var ikke gyldigt.")),
    (r"kunne ikke hentes|uventet fejl", N_("Feedet kunne ikke hentes.")),
    (r"internt net", N_("Adressen er ikke tilladt: den peger på et internt net.")),
    (r"kodet på en måde", N_("Feedet er kodet på en måde, noden ikke kan læse.")),
    (r"inden for .* sekunder", N_("Feedet blev ikke hentet færdigt inden for tidsgrænsen.")),
)
_COMPILED = tuple((re.compile(pattern), sentence) for pattern, sentence in PATTERNS)
# This node's own Danish reasons with a name or a number in them (federation.peering, federation.revocation):
# the message each is made from, so that it can be told in another language; the places named in
# `translated` are Danish words of their own (a peer's state) and are translated as well.
OWN_REASONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (r"(?P<node>\S+) er blokeret på denne node", N_("%(node)s er blokeret på denne node"), ()),
    (r"(?P<node>\S+) er kendt med en anden nøgle", N_("%(node)s er kendt med en anden nøgle"), ()),
    (r"(?P<node>\S+) er godkendt som (?P<kind>\S+); type og sted kan kun ændres ved ny godkendelse",
     N_("%(node)s er godkendt som %(kind)s; type og sted kan kun ændres ved ny godkendelse"), ()),
    (r"der er allerede (?P<count>\d+) afventende peers; afvis nogle, før flere kan komme til",
     N_("der er allerede %(count)s afventende peers; afvis nogle, før flere kan komme til"), ()),
    (r"ingen peer med id '(?P<node>.*)'", N_("ingen peer med id '%(node)s'"), ()),
    (r"(?P<node>\S+) er (?P<state>.+) og kan ikke blive (?P<wanted>.+)",
     N_("%(node)s er %(state)s og kan ikke blive %(wanted)s"), ("state", "wanted")),
    (r"key: en spærring kan ikke gælde den nuværende nøgle for (?P<node>\S+)",
     N_("key: en spærring kan ikke gælde den nuværende nøgle for %(node)s"), ()),
    (r"key: (?P<node>\S+) har allerede (?P<count>\d+) spærrede nøgler her",
     N_("key: %(node)s har allerede %(count)s spærrede nøgler her"), ()),
)
_OWN = tuple((re.compile(pattern), message, translated) for pattern, message, translated in OWN_REASONS)
# A reason written in Danish already is shown as a sentence of its own.
_DANISH = re.compile(r"[æøåÆØÅ]|\b(ikke|noden|kan|er|en|et|og|med)\b")
UNKNOWN = N_("Der opstod en fejl; se den tekniske årsag.")


def danish_reason(raw: str | None) -> str:
    """The sentence for a stored reason, chosen by the kind of error it names, in the interface's language.

    Danish outside a web request. A Danish reason this node has no message for stays Danish, marked as such
    on a page in another language. Empty for no reason.
    """
    if not raw:
        return ""
    message, places = _message(raw)
    if message is None:
        return danish(_as_sentence(raw))
    shown = {name: _(value) if translated else value for name, (value, translated) in places.items()}
    return _as_sentence(_(message, **shown)) if places or message not in _SENTENCES else _(message)


def adds_detail(raw: str | None) -> bool:
    """Whether the raw reason says more than its sentence, so the page offers it as the technical cause."""
    if not raw:
        return False
    message, places = _message(raw)
    if message is None:
        return False
    danish = message % {name: value for name, (value, _translated) in places.items()} if places else message
    return _as_sentence(raw) != (danish if message in _SENTENCES else _as_sentence(danish))


_SENTENCES = frozenset(sentence for _pattern, sentence in PATTERNS) | {UNKNOWN}


def _message(raw: str) -> tuple[str | None, dict[str, tuple[str, bool]]]:
    # The Danish message a reason is told by, with its places (each: its value, and whether it is a Danish word
    # to translate too); None for a Danish reason of no known message, which is shown as it is.
    for pattern, sentence in _COMPILED:
        if pattern.search(raw):
            return sentence, {}
    text = raw.strip()
    if _(text) != text:  # a fixed message of this node's is its own message id
        return text, {}
    for pattern, message, translated in _OWN:
        if found := pattern.fullmatch(text):
            return message, {name: (value, name in translated) for name, value in found.groupdict().items()}
    return (None, {}) if _DANISH.search(raw) else (UNKNOWN, {})


def _as_sentence(text: str) -> str:
    # A reason may start with a node id ("randers-kommune er blokeret ..."): an id keeps its spelling.
    text = text.strip()
    first = text.split(" ", 1)[0]
    start = text[:1].upper() if first.isalpha() else text[:1]
    return start + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
