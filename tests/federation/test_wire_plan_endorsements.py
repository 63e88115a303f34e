"""The plan endorsement wire format against saved JSON: it verifies, names its plan version by digest,
shape is checked."""

from __future__ import annotations

import copy

import pytest

from federation.wire import (
    WireError,
    check_item_payload,
    check_plan_endorsement_payload,
    claimed_signer,
    digest,
    open_envelope,
    plan_endorsement_id,
)
from tests.helpers.envelopes import KEYS, saved


def test_saved_plan_endorsement_verifies_with_the_endorsers_key_and_names_it_as_signer():
    envelope = saved("plan_endorsement")
    assert claimed_signer(envelope) == "syddjurs-kommune"
    payload = check_plan_endorsement_payload(open_envelope(envelope, KEYS["syddjurs-kommune"]))
    assert (payload["plan"], payload["version"], payload["municipality"]) == (
        "favrskov-kommune:faelles-handleplan-2027", 2, "0706")


def test_saved_plan_endorsement_digest_is_the_digest_of_the_saved_plan_version():
    plan = check_item_payload(open_envelope(saved("plan_envelope"), KEYS["favrskov-kommune"]))
    endorsement = saved("plan_endorsement")["payload"]
    assert endorsement["plan_digest"] == digest(plan)
    assert "0706" in plan["content"]["details"]["participating_municipalities"]


def test_a_plan_endorsement_does_not_verify_with_the_plans_origin_key():
    with pytest.raises(WireError, match="bad signature"):
        open_envelope(saved("plan_endorsement"), KEYS["favrskov-kommune"])


def test_changing_the_endorsed_version_breaks_the_signature():
    envelope = saved("plan_endorsement")
    envelope["payload"]["version"] = 3
    with pytest.raises(WireError, match="bad signature"):
        open_envelope(envelope, KEYS["syddjurs-kommune"])


def test_the_feed_id_is_one_per_endorser_plan_and_version_and_shaped_like_an_item_id_of_the_endorser():
    payload = saved("plan_endorsement")["payload"]
    key = plan_endorsement_id(payload)
    assert key.startswith("syddjurs-kommune:plan-endorsement-") and len(key) == len("syddjurs-kommune:") + 49
    assert plan_endorsement_id({**payload, "endorsed_at": "2027-01-01T00:00:00Z"}) == key
    assert plan_endorsement_id({**payload, "version": 3}) != key
    assert plan_endorsement_id({**payload, "endorser": "favrskov-kommune"}) != key


@pytest.mark.parametrize("change, field", [
    ({"endorser": "Syddjurs Kommune"}, "endorser"),
    ({"municipality": 706}, "municipality"),
    ({"plan": "faelles-handleplan"}, "plan"),
    ({"version": 0}, "version"),
    ({"version": True}, "version"),
    ({"plan_digest": "ABC"}, "plan_digest"),
    ({"endorsed_at": "2026-11-21T13:15:00"}, "endorsed_at"),
])
def test_a_malformed_plan_endorsement_is_refused_naming_the_field(change, field):
    payload = copy.deepcopy(saved("plan_endorsement")["payload"])
    with pytest.raises(WireError, match=field):
        check_plan_endorsement_payload({**payload, **change})


def test_a_plan_endorsement_without_a_field_is_refused():
    payload = saved("plan_endorsement")["payload"]
    with pytest.raises(WireError, match="plan_digest"):
        check_plan_endorsement_payload({k: v for k, v in payload.items() if k != "plan_digest"})
