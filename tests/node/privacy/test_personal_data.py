"""The anonymisation guard's detectors: 30+ realistic Danish sentences that must be refused, 30+ that must pass."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.privacy.addresses import _house_numbers
from node.privacy.personal_data import find_personal_data

MUST_REFUSE = [
    ("Den unge har CPR-nummer 120406-1234 og er kendt af politiet.", "cpr"),
    ("Forældrene oplyste cpr 0304051234 ved mødet.", "cpr"),
    ("Sagen vedrører 311299-4321, som er anbragt uden for hjemmet.", "cpr"),
    ("Drengen (CPR 290204 1111) blev hentet af SSP-konsulenten.", "cpr"),
    ("Ring til moren på 23 45 67 89 efter kl. 16.", "phone"),
    ("Faren kan kontaktes på +45 40123456.", "phone"),
    ("Hans mobil er 0045 2612 3456, og han svarer sjældent.", "phone"),
    ("Kontakt plejefamilien på tlf. 87654321.", "phone"),
    ("Kontaktperson i netværket, telefon (+45) 91 370 227.", "phone"),
    ("Numrene 30-12-45-67 og 5012 3456 går igen i flere anmeldelser.", "phone"),
    ("Skriv til mette.hansen72@gmail.com for at få navnene.", "email"),
    ("Drengens mor, som har mailen jannie_k@hotmail.dk, ønsker et møde.", "email"),
    ("Oplysningerne blev sendt fra lars.p@aarhus.dk til skolen.", "email"),
    ("Gruppen kører i en sort Audi med nummerpladen AB 12 345.", "licence_plate"),
    ("Knallerten med plade XY12345 blev set ved skolen.", "licence_plate"),
    ("Bilen CD 98765 holdt ved busterminalen hver fredag.", "licence_plate"),
    ("De unge samles i opgangen på Skolevej 12, 2. th.", "address"),
    ("Der er uro omkring Vestergade 3B i Randers.", "address"),
    ("Familien bor på Tornebakken 14, 8240 Risskov.", "address"),
    ("Festen blev holdt på Jægergårdsgade 45 1. sal.", "address"),
    ("Drengen opholder sig ofte hos en ven på Nørregade 7.", "address"),
    ("Mikkel Jensen og hans bror er igen set ved stationen.", "name"),
    ("Gruppen ledes af Ahmed Hassan, som er 17 år.", "name"),
    ("Ifølge skolen har Sofie Marie Andersen ikke været i skole i tre uger.", "name"),
    ("Anne-Sofie Nielsen deltog i bekymringssamtalen med sine forældre.", "name"),
    ("Vi har talt med Peter Holm om episoden i klubben.", "name"),
    ("Politiet har haft kontakt med Jonas Christensen flere gange.", "name"),
    ("Kontaktperson er Lone Pedersen fra familieafdelingen.", "name"),
    ("Oliver Larsen-Møller blev anholdt ved Bruuns Galleri.", "name"),
    ("Emil (15) og hans venner har stjålet knallerter i området.", "name"),
    ("Sara, 14 år, er blevet set sammen med de ældre drenge.", "name"),
    ("Den ældste i gruppen, Mohammed (17), fører an ved stationen.", "name"),
    ("Beboerne på Åbyhøjvej 9 har klaget over larm.", "address"),
]

MUST_PASS = [
    "I perioden 2023-2024 steg antallet af anmeldelser for knallerttyveri med 20 procent.",
    "Gruppen består af 13-15-årige drenge fra tre skoler.",
    "Uroen topper fredag og lørdag mellem kl. 22.00 og 02.00.",
    "Ring 112 ved akut fare og 114 for at komme i kontakt med politiet.",
    "Kommunekode 0751 (Aarhus) og 0730 (Randers) indgår i samarbejdet.",
    "Perioden 01-03-2024 til 31-05-2024 er omfattet af bulletinen.",
    "Der blev registreret 12 episoder i uge 14 og 7 episoder i uge 15.",
    "Omkring 25 unge mødtes ved Bruuns Galleri og Aarhus Rådhus.",
    "Natteravnene går fredag aften fra kl. 20 til kl. 24.",
    "Indsatsen er finansieret med 1.250.000 kr. fra puljen for 2025.",
    "SSP-samarbejdet i Østjyllands Politi dækker ti kommuner.",
    "Handleplanen gælder fra 1. januar 2025 til 31. december 2026.",
    "Under 5 unge var involveret i hver hændelse.",
    "Det Kriminalpræventive Råd anbefaler PSP-samarbejde ved udslusning.",
    "Mødet holdes på Rådhuset i lokale 2.14 kl. 13.30.",
    "Der var 3 anmeldelser i januar og 11 i februar 2024.",
    "Unge mellem 18 og 25 år udgør en tredjedel af gruppen.",
    "Bulletin nr. 7/2024 erstatter bulletin nr. 5/2024.",
    "Linje 2A og 3A kører forbi skolen hvert tiende minut.",
    "Klubben i Gellerup holder åbent til kl. 23 på hverdage.",
    "I 2022 var tallet 1.340, i 2023 var det 1.512.",
    "Lyngby-Taarbæk og Gentofte deler en SSP-koordinator.",
    "Konferencen i Nyborg 14.-15. marts samler 300 deltagere.",
    "Telefonrådgivningen har åbent 24 timer i døgnet.",
    "Trivselsmålingen 2024 viser, at 87 procent af eleverne er glade for skolen.",
    "Politikredsen registrerede 4 tilfælde af trusler med kniv.",
    "Lykke og tryghed i nærmiljøet er målet for indsatsen.",
    "Vi mødes på Torvet 3 aftener om ugen.",
    "Projektet kører i skoleårene 2024/25 og 2025/26.",
    "Postnummer 8000 Aarhus C og 8900 Randers C er omfattet.",
    "Fra uge 40 til uge 52 2024 blev 1.200 unge kontaktet.",
    "Hver 3. elev i 8.-9. klasse har oplevet mobning, viser Skolernes Trivselsmåling 2023.",
    "Puljen på 25 000 000 kr. fordeles over tre år.",
    "Metoden bygger på Kaplan og Norton samt Det Kriminalpræventive Råds anbefalinger.",
]


@pytest.mark.parametrize(("sentence", "kind"), MUST_REFUSE)
def test_sentence_with_personal_data_is_found_with_its_kind(sentence, kind):
    assert kind in {f.kind for f in find_personal_data(sentence, strict=True)}


@pytest.mark.parametrize("sentence", MUST_PASS)
def test_sentence_without_personal_data_passes_even_the_strict_bulletin_guard(sentence):
    assert find_personal_data(sentence, strict=True) == []


def test_there_are_at_least_thirty_sentences_each_way():
    assert len(MUST_REFUSE) >= 30 and len(MUST_PASS) >= 30


def test_a_lone_first_name_with_an_age_is_only_flagged_for_bulletins():
    assert find_personal_data("Emil (15) deltog i forløbet.", strict=False) == []
    assert [f.kind for f in find_personal_data("Emil (15) deltog i forløbet.", strict=True)] == ["name"]


def test_cpr_numbers_need_a_valid_birth_date_but_no_modulus_eleven():
    assert find_personal_data("320199-1234") == []  # no 32nd day
    assert find_personal_data("290203-1234") == []  # 2003 was not a leap year
    assert [f.kind for f in find_personal_data("010190-1235")] == ["cpr"]  # fails modulus 11, still a CPR number


def test_a_finding_gives_its_span_so_the_value_itself_is_never_needed():
    text = "Ring på 23 45 67 89 i aften."
    [finding] = find_personal_data(text)
    assert text[finding.start:finding.end] == "23 45 67 89"


def test_the_quick_checks_that_rule_a_text_out_miss_nothing_the_detectors_find():
    # Each detector first rules a text out with a plain scan; these are the spellings such a scan could miss:
    # a nickname's word with a dotless or dotted i, a name in capitals, a hyphenated first name after a hyphen.
    assert [f.kind for f in find_personal_data("Han går under alıas »Tyrken«.")] == ["nickname"]
    assert [f.kind for f in find_personal_data("Han går under ALİAS »Tyrken«.")] == ["nickname"]
    assert [f.kind for f in find_personal_data("Mødet med METTE HANSEN blev aflyst.")] == ["name"]
    assert [f.kind for f in find_personal_data("SSP-Anne-Marie Hansen deltog.")] == ["name"]


# The house-number pattern as it was written with a leading word boundary, which the regex engine tries at
# every position; node/privacy/addresses.py looks for the digits and checks the boundary itself.
_BOUNDARY_HOUSE_NUMBER = re.compile(r"\b\d{1,3}(?!\d|[.,:]\d)(?: ?[A-Za-z](?!\w))?(?: (\w+))?")


@settings(max_examples=400)
@given(st.text(alphabet="0123456789 aB_æ.,:-\n", max_size=40))
def test_house_numbers_are_the_matches_of_the_word_boundary_pattern(text):
    assert [(m.span(), m[1]) for m in _house_numbers(text)] == \
        [(m.span(), m[1]) for m in _BOUNDARY_HOUSE_NUMBER.finditer(text)]


def test_an_initial_is_still_found_after_the_quick_check_for_one():
    assert [f.kind for f in find_personal_data("Mødet med Mohammed A. og M. Hansen blev aflyst.")] == ["name", "name"]
    assert find_personal_data("Mødet med Mohammed blev aflyst kl. 14.") == []
