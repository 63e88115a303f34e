"""The key revocation wire format against saved JSON: signed by the node's key after the rotation, the revoked
key named in it, shape checked field by field."""

from __future__ import annotations

import copy

import pytest

from federation.wire import (
    WireError,
    canonical,
    check_key_revocation_payload,
    claimed_signer,
    digest,
    key_revocation_id,
    open_envelope,
    signed_at,
)
from tests.helpers.envelopes import KEYS, saved

CANONICAL = ('{"at":"2026-11-28T08:05:00Z","key":"HkgXWA0o0ju5_04LJK07NNvby6f1b6QFAirnbKeJn8g",'
             '"origin":"norddjurs-kommune","protocol":1,"since":"2026-11-20T00:00:00Z",'
             '"type":"vidensnet.key-revocation"}')


def test_saved_revocation_verifies_with_the_key_the_saved_rotation_leads_to():
    rotation, revocation = saved("key_rotation"), saved("key_revocation")
    assert open_envelope(rotation, rotation["payload"]["old_key"])["new_key"] == KEYS["norddjurs-kommune"]
    payload = check_key_revocation_payload(open_envelope(revocation, KEYS["norddjurs-kommune"]))
    assert claimed_signer(revocation) == "norddjurs-kommune"
    assert payload["key"] == rotation["payload"]["old_key"]


def test_saved_revocation_does_not_verify_with_the_key_it_revokes():
    revocation = saved("key_revocation")
    with pytest.raises(WireError, match="bad signature"):
        open_envelope(revocation, revocation["payload"]["key"])


def test_saved_revocation_canonical_form_and_digest_match_the_protocol_appendix():
    payload = saved("key_revocation")["payload"]
    assert canonical(payload).decode() == CANONICAL and len(canonical(payload)) == 188
    assert digest(payload) == "ec4b3130761f127848f9ffb66343a216a44ef57510861edf7dd4caf2a3e54e25"


def test_a_changed_since_breaks_the_signature():
    revocation = saved("key_revocation")
    revocation["payload"]["since"] = "2026-11-27T00:00:00Z"  # a later since would spare what a thief signed
    with pytest.raises(WireError, match="bad signature"):
        open_envelope(revocation, KEYS["norddjurs-kommune"])


@pytest.mark.parametrize(("field", "value"), [
    ("origin", "Norddjurs Kommune"), ("key", "ikke-en-noegle"), ("key", "HkgXWA0o0ju5_04LJK07NNvby6f1b6QFAirnbKeJn8g="),
    ("since", "2026-11-20T00:00:00"), ("since", 1795132800), ("at", None),
])
def test_a_revocation_with_an_invalid_field_is_refused_naming_it(field, value):
    payload = copy.deepcopy(saved("key_revocation")["payload"])
    payload[field] = value
    with pytest.raises(WireError, match=f"key revocation has an invalid {field}$"):
        check_key_revocation_payload(payload)


def test_a_revocation_lacking_a_field_is_refused_naming_it():
    payload = copy.deepcopy(saved("key_revocation")["payload"])
    del payload["since"]
    with pytest.raises(WireError, match="key revocation lacks since"):
        check_key_revocation_payload(payload)


def test_the_feed_id_is_one_per_node_and_revoked_key_and_shaped_like_an_item_id():
    payload = saved("key_revocation")["payload"]
    assert key_revocation_id(payload).startswith("norddjurs-kommune:key-revocation-")
    assert len(key_revocation_id(payload).rpartition("-")[2]) == 32
    assert key_revocation_id({**payload, "since": "2026-01-01T00:00:00Z"}) == key_revocation_id(payload)


def test_signed_at_reads_each_payload_types_own_time_field():
    assert signed_at(saved("key_revocation")["payload"]).isoformat() == "2026-11-28T08:05:00+00:00"
    assert signed_at(saved("item_envelope")["payload"]).isoformat() == "2026-11-01T09:30:00+00:00"
    assert signed_at(saved("plan_endorsement")["payload"]).isoformat() == "2026-11-21T13:15:00+00:00"
    assert signed_at({**saved("tombstone_envelope")["payload"], "at": "gestern"}) is None
