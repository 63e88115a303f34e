"""Danish sentences for the reasons stored with peers, external feeds, waiting and rejected data.

The stored reasons are written for the log and the protocol (often English, from the HTTP client, the
wire format or the trust rules); the administrator reads a sentence about what happened, and the raw
reason beside it as the technical cause. Pure functions: the kind of error is told by its wording.
"""

from __future__ import annotations

import re

# Checked in order: the first pattern that matches the raw reason gives the sentence.
PATTERNS: tuple[tuple[str, str], ...] = (
    (r"serveren svarede HTTP", "Feedets server svarede med en fejl i stedet for et feed."),
    (r"kunne ikke give besked", "Noden fik ikke besked om anmodningen om peering; den får det ved næste kontakt."),
    (r"no complete answer within|timed? ?out|Timeout", "Noden svarede ikke inden for tidsgrænsen."),
    (r"SSLError|certificate", "Forbindelsen kunne ikke sikres: nodens certifikat blev ikke godtaget."),
    (r"ChunkedEncodingError|ConnectionResetError|IncompleteRead|ContentDecodingError",
     "Forbindelsen blev afbrudt, før hele svaret var modtaget."),
    (r"no answer: (ConnectionError|ConnectTimeout|ProxyError)|Connection refused|name not resolved",
     "Forbindelsen blev afvist, eller noden kunne ikke nås."),
    (r"no answer", "Noden svarede ikke."),
    (r"answer larger than|feedet er større end", "Svaret var større end tilladt og blev ikke læst."),
    (r"redirect refused|viderestiller", "Adressen sendte videre til en anden adresse, hvilket ikke godtages."),
    (r"HTTP 40[13]\b", "Noden afviste forespørgslen: den godtager ikke denne node (endnu)."),
    (r"HTTP 404\b", "Adressen findes ikke på noden."),
    (r"HTTP 429\b", "Noden bad om færre forespørgsler; der prøves igen senere."),
    (r"HTTP 5\d\d\b", "Noden havde en fejl og kunne ikke svare."),
    (r"HTTP \d{3}", "Noden svarede med en fejl."),
    (r"bad signature|signature", "Signaturen kunne ikke bekræftes."),
    (r"spærret fra", "Underskrevet med en nøgle, der er spærret fra det tidspunkt."),
    (r"tidligere nøgle", "Underskrevet med en tidligere nøgle, der ikke længere godtages."),
    (r"signed in the future", "Oplysningerne er underskrevet ude i fremtiden: et af urene går forkert."),
    (r"older than \d+ days", "Oplysningerne er for gamle til at blive godtaget."),
    (r"known with another key|keys change only", "Noden er kendt med en anden nøgle; en nøgle skiftes kun ved et "
                                                 "signeret nøgleskift."),
    (r"trust anchor whose configured key differs", "Tillidsankeret har en anden nøgle end den, der er sat op her."),
    (r"does not trust directly|endorsement by", "Anbefalingen kommer fra en node, der ikke er tillid til."),
    (r"descriptor", "Nodens beskrivelse af sig selv var ikke gyldig."),
    (r"pages in one pull", "Der var flere ændringer, end der hentes ad gangen; resten hentes ved næste hentning."),
    (r"feed started again", "Nodens ændringsfeed begyndte forfra to gange under samme hentning."),
    (r"rejected within the hour", "For mange data fra noden blev afvist inden for en time; hentningen er standset."),
    (r"outside its audience", "Emnet var ikke til denne node: den er uden for emnets målgruppe."),
    (r"venter på en godkendt nøgle", "Venter på en godkendt nøgle for afsenderen."),
    (r"venter på version", "Venter på den version af handleplanen, tilslutningen gælder."),
    (r"not JSON|malformed|JSON object|entries for a page|payload|lacks|invalid|must|ISO 8601|time zone|digest|"
     r"is not a plan|not the node of",
     "Svaret var ikke gyldigt."),
    (r"kunne ikke hentes|uventet fejl", "Feedet kunne ikke hentes."),
    (r"internt net", "Adressen er ikke tilladt: den peger på et internt net."),
    (r"kodet på en måde", "Feedet er kodet på en måde, noden ikke kan læse."),
    (r"inden for .* sekunder", "Feedet blev ikke hentet færdigt inden for tidsgrænsen."),
)
_COMPILED = tuple((re.compile(pattern), sentence) for pattern, sentence in PATTERNS)
# A reason written in Danish already is shown as a sentence of its own.
_DANISH = re.compile(r"[æøåÆØÅ]|\b(ikke|noden|kan|er|en|et|og|med)\b")
UNKNOWN = "Der opstod en fejl; se den tekniske årsag."


def danish_reason(raw: str | None) -> str:
    """A Danish sentence for a stored reason, chosen by the kind of error it names; empty for no reason."""
    if not raw:
        return ""
    for pattern, sentence in _COMPILED:
        if pattern.search(raw):
            return sentence
    if _DANISH.search(raw):
        return _as_sentence(raw)
    return UNKNOWN


def adds_detail(raw: str | None) -> bool:
    """Whether the raw reason says more than its Danish sentence, so the page offers it as the technical cause."""
    return bool(raw) and _as_sentence(raw) != danish_reason(raw)


def _as_sentence(text: str) -> str:
    # A reason may start with a node id ("randers-kommune er blokeret ..."): an id keeps its spelling.
    text = text.strip()
    first = text.split(" ", 1)[0]
    start = text[:1].upper() if first.isalpha() else text[:1]
    return start + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
