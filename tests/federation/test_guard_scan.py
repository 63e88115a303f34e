"""The guard's first scan in the verify helper: it reads items as validate_item does, and lets none skip the guard."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from federation import verifier
from federation.guard_scan import clean_texts, guard_input
from federation.ingest import Outcome, check_and_scan, ingest, ingest_page
from federation.models import Rejection
from federation.trust import accepted_public_keys
from federation.wire import ITEM, canonical, unseal
from node.items.schema import ItemInvalid, validate_item
from node.privacy.guard import scanned_text
from tests.helpers.envelopes import ME, ORIGIN_KEY, envelope, know_origin
from tests.helpers.nodes import SINKS

NAMED = "Ring til Mikkel Jensen."
BULLETIN = {"type": "bulletin", "title": "Knallerttyverier i Hornbæk", "summary": "Flere tyverier om natten.",
            "body": "Sara, 14 år, så det ske.", "audience": {"districts": ["Nordsjællands Politi"]},
            "details": {"period_start": "2026-10-01", "period_end": "2026-10-31",
                        "observations": [{"label": "Tyverier i alt", "count": 12}]}}


def signed_content(content: dict) -> bytes:
    """The canonical bytes an origin signs for an item with this content (keys sorted, as on the wire)."""
    return canonical({"type": ITEM, "id": "randers-kommune:plan", "content": content})


@pytest.mark.parametrize("content", [
    {"type": "method", "title": "Metode", "summary": "  Kort.  ", "body": "Cafe\u0301 om aftenen.",
     "tags": ["natteravne", "natteravne ", "klub"]},
    {**BULLETIN, "body": "Tyverierne skete om natten."},
])
def test_the_helper_reads_an_item_as_validate_item_does(content):
    validated = validate_item({**content, "id": "randers-kommune:plan"}, node_id="randers-kommune", may_override=True)
    assert guard_input(signed_content(content)) == (content["type"] == "bulletin", scanned_text(validated))


def test_the_helper_does_not_scan_a_body_longer_than_validate_item_takes():
    content = {"type": "method", "title": "Metode", "summary": "Kort.", "body": "ord " * 30_000}
    assert guard_input(signed_content(content)) is None


def test_an_item_with_personal_data_is_not_among_the_helpers_clean_texts():
    clean = {"type": "method", "title": "Metode", "summary": "Kort.", "body": "Om aftenen."}
    found = clean_texts([signed_content(clean), signed_content({**clean, "body": NAMED}), signed_content(BULLETIN)])
    assert found == {(False, "Metode\n\nKort.\n\nOm aftenen.")}


def test_a_clean_verdict_for_other_text_or_strictness_does_not_spare_the_guard():
    data = {**BULLETIN, "id": "randers-kommune:plan"}
    with pytest.raises(ItemInvalid) as refused_here:
        validate_item(data, node_id="randers-kommune", may_override=True)
    whole = guard_input(signed_content(BULLETIN))[1]
    near_misses = {(False, whole), (True, whole + " "), (True, whole.replace("Sara", "Sará"))}
    with pytest.raises(ItemInvalid) as refused:
        validate_item(data, node_id="randers-kommune", may_override=True, known_clean=near_misses)
    assert refused.value.errors == refused_here.value.errors
    assert "body" in refused.value.errors


def page_of_plans(count: int, named: int) -> list:
    """`count` envelopes of different items, the one at index `named` naming a person in its body."""
    return [envelope(1, id=f"randers-kommune:plan-{i}", body=NAMED if i == named else "Om aftenen.")
            for i in range(count)]


def checks_of(page: list) -> list[verifier.Check]:
    """The helper's checks for envelopes signed with the test origin's key."""
    raw = ORIGIN_KEY.public_key().public_bytes_raw()
    return [(raw, signature, signed) for _payload, signed, signature in (unseal(e) for e in page)]


def until_scanning(checks: list[verifier.Check]) -> None:
    """Wait until the helper has loaded the guard (in the background, from its first request to scan)."""
    deadline = time.monotonic() + 60
    while not verifier.verify_and_scan(checks)[1]:
        assert time.monotonic() < deadline, "the helper never began to scan"
        time.sleep(0.05)


def test_a_new_helper_answers_at_once_without_verdicts_until_it_has_loaded_the_guard():
    page = page_of_plans(verifier.IN_PROCESS_BELOW, named=3)
    verifier._stop_helper()
    verdicts, clean = verifier.verify_and_scan(checks_of(page))
    assert verdicts == [True] * len(page) and clean == frozenset()  # the storing process scans these itself
    until_scanning(checks_of(page))
    assert verifier.verify_and_scan(checks_of(page))[1] == {(False, "Metode v1\n\nx\n\nOm aftenen.")}


def test_a_page_through_the_helper_still_refuses_personal_data_with_the_same_message(sessions):
    page = page_of_plans(verifier.IN_PROCESS_BELOW + 6, named=7)
    until_scanning(checks_of(page))
    with sessions.begin() as session:
        know_origin(session)
        checked, clean = check_and_scan(page, accepted_public_keys(session, {"randers-kommune"}))
        assert clean == {(False, "Metode v1\n\nx\n\nOm aftenen.")}  # the helper scanned the page
        outcomes = ingest_page(session, page, "p", ME, SINKS, checked, clean=clean)
        assert outcomes == [Outcome.REJECTED if i == 7 else Outcome.STORED for i in range(len(page))]
        through_helper = session.scalars(select(Rejection.reason)).one()
    with sessions.begin() as session:
        assert ingest(session, envelope(1, id="randers-kommune:alone", body=NAMED), "p", ME, SINKS) \
            == Outcome.REJECTED
        in_process = session.scalars(select(Rejection.reason).where(Rejection.item_id == "randers-kommune:alone")).one()
    assert through_helper == in_process and "body" in in_process and "personnavn" in in_process


def test_a_helper_that_dies_leaves_the_scan_to_the_storing_process(sessions):
    page = page_of_plans(verifier.IN_PROCESS_BELOW, named=3)
    checks = checks_of(page)
    verifier._stop_helper()
    # A real process in the helper's place that exits as the batch arrives, without answering.
    verifier._helper = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.buffer.read(4)"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    verdicts, clean = verifier.verify_and_scan(checks)
    assert verdicts == [True] * len(page) and clean == frozenset()  # checked here, nothing scanned
    with sessions.begin() as session:
        know_origin(session)
        outcomes = ingest_page(session, page, "p", ME, SINKS, clean=clean)
        assert outcomes[3] == Outcome.REJECTED and outcomes.count(Outcome.STORED) == len(page) - 1
        assert "personnavn" in session.scalars(select(Rejection.reason)).one()
    until_scanning(checks)  # the next batch has a helper again, which scans once it has loaded the guard
