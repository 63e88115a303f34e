"""Stored peer, feed and ingest reasons are told as Danish sentences, the raw reason kept as the technical cause."""

from __future__ import annotations

import pytest

from node.web.reasons import UNKNOWN, adds_detail, danish_reason

CASES = [
    ("no complete answer within 30 s", "Noden svarede ikke inden for tidsgrænsen."),
    ("no answer: ConnectionError", "Forbindelsen blev afvist, eller noden kunne ikke nås."),
    ("http://randers.test: no answer: ConnectionError", "Forbindelsen blev afvist, eller noden kunne ikke nås."),
    ("no answer: ConnectionResetError", "Forbindelsen blev afbrudt, før hele svaret var modtaget."),
    ("no answer: ReadTimeout", "Noden svarede ikke inden for tidsgrænsen."),
    ("answer is not JSON", "Svaret var ikke gyldigt."),
    ("changes feed answer is malformed", "Svaret var ikke gyldigt."),
    ("bad signature", "Signaturen kunne ikke bekræftes."),
    ("HTTP 403: peer not approved", "Noden afviste forespørgslen: den godtager ikke denne node (endnu)."),
    ("HTTP 503: unavailable", "Noden havde en fejl og kunne ikke svare."),
    ("kunne ikke give besked: no answer: ConnectionError",
     "Noden fik ikke besked om anmodningen om peering; den får det ved næste kontakt."),
    ("feedet kunne ikke hentes", "Feedet kunne ikke hentes."),
    ("serveren svarede HTTP 404 i stedet for et feed", "Feedets server svarede med en fejl i stedet for et feed."),
    ("feedet er større end 5 MB", "Svaret var større end tilladt og blev ikke læst."),
    ("item is outside its audience on this node", "Emnet var ikke til denne node: den er uden for emnets målgruppe."),
]


@pytest.mark.parametrize(("raw", "sentence"), CASES, ids=[raw for raw, _ in CASES])
def test_each_kind_of_error_gets_its_danish_sentence(raw, sentence):
    assert danish_reason(raw) == sentence


def test_a_danish_reason_is_shown_as_a_sentence_of_its_own_without_a_technical_line():
    assert danish_reason("en node kan ikke peere med sig selv") == "En node kan ikke peere med sig selv."
    assert not adds_detail("en node kan ikke peere med sig selv")
    assert danish_reason("randers-kommune er blokeret på denne node") == "randers-kommune er blokeret på denne node."


def test_an_english_reason_of_an_unknown_kind_is_never_shown_raw_but_kept_as_the_technical_cause():
    assert danish_reason("weird upstream thing") == UNKNOWN
    assert adds_detail("weird upstream thing") and adds_detail("no answer: ConnectionError")


def test_no_reason_gives_no_sentence():
    assert danish_reason(None) == "" and danish_reason("") == "" and not adds_detail(None)


@pytest.fixture
def english(app):
    with app.test_request_context("/", headers={"Cookie": "sprog=en"}):
        yield


def test_in_english_each_kind_of_error_gets_its_english_sentence(english):
    refused = "The connection was refused, or the node could not be reached."
    assert danish_reason("no answer: ConnectionError") == refused
    assert danish_reason("weird upstream thing") == "An error occurred; see the technical reason."
    assert adds_detail("no answer: ConnectionError") and adds_detail("weird upstream thing")


def test_in_english_this_nodes_own_danish_reasons_are_told_in_english_with_their_names_kept(english):
    assert danish_reason("en node kan ikke peere med sig selv") == "A node cannot peer with itself."
    assert danish_reason("randers-kommune er blokeret på denne node") == "randers-kommune is blocked on this node."
    told = "Skive is paused and cannot become approved."
    assert danish_reason("skive er på pause og kan ikke blive godkendt") == told
    assert not adds_detail("randers-kommune er blokeret på denne node")


def test_in_english_a_danish_reason_of_no_known_message_stays_danish_marked_as_danish(english):
    assert danish_reason("noden gik i stå midt i det hele") == '<span lang="da">Noden gik i stå midt i det hele.</span>'
    assert not adds_detail("noden gik i stå midt i det hele")
