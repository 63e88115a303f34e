"""The wire format against saved JSON: signatures verify, any change breaks them, shapes are checked."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.changes import Change, Held
from federation.identity import public_key_text
from federation.ingest import check_signatures
from federation.replication import _wanted
from federation.trust import TrustError, check_descriptor, check_endorsement
from federation.wire import (
    WireError,
    canonical,
    check_item_payload,
    claimed_signer,
    digest,
    open_envelope,
    seal,
    seal_as_text,
    speaks_protocol,
)
from tests.helpers.envelopes import KEYS, SAVED, saved


def test_saved_item_envelope_verifies_with_its_origins_key():
    envelope = saved("item_envelope")
    payload = check_item_payload(open_envelope(envelope, KEYS[claimed_signer(envelope)]))
    assert (payload["id"], payload["version"]) == ("aarhus-kommune:natteravne", 2)
    assert payload["content"]["police_districts"] == ["Østjyllands Politi"]


def test_seal_as_text_stores_the_envelope_seal_makes_with_the_payloads_digest():
    payload = saved("item_envelope")["payload"]
    key = Ed25519PrivateKey.generate()
    text, payload_digest = seal_as_text(payload, key)
    # Ed25519 signatures are deterministic, so both ways of sealing give the same envelope.
    assert json.loads(text) == seal(payload, key)
    assert payload_digest == digest(payload)
    assert open_envelope(json.loads(text), public_key_text(key.public_key())) == payload


def test_one_changed_byte_in_the_body_breaks_the_signature():
    envelope = saved("item_envelope")
    envelope["payload"]["content"]["body"] = envelope["payload"]["content"]["body"].replace("2015", "2016")
    with pytest.raises(WireError, match="bad signature"):
        open_envelope(envelope, KEYS["aarhus-kommune"])


def test_a_raised_version_number_breaks_the_signature():
    envelope = saved("item_envelope")
    envelope["payload"]["version"] = 3
    with pytest.raises(WireError):
        open_envelope(envelope, KEYS["aarhus-kommune"])


def test_another_nodes_key_does_not_verify():
    with pytest.raises(WireError):
        open_envelope(saved("item_envelope"), KEYS["oestjyllands-politi"])


def test_canonical_form_ignores_key_order_and_keeps_unicode():
    payload = saved("item_envelope")["payload"]
    shuffled = dict(reversed(list(copy.deepcopy(payload).items())))
    assert canonical(shuffled) == canonical(payload)
    assert "Østjyllands".encode() in canonical(payload)


def test_extra_envelope_keys_and_wrong_protocol_are_refused():
    envelope = saved("item_envelope")
    with pytest.raises(WireError):
        open_envelope({**envelope, "extra": 1}, KEYS["aarhus-kommune"])
    bad = copy.deepcopy(envelope)
    bad["payload"]["protocol"] = 2
    with pytest.raises(WireError, match="protocol"):
        open_envelope(bad, KEYS["aarhus-kommune"])


def test_protocol_true_or_1_0_is_refused():
    # In Python True == 1 and 1.0 == 1; the rule is the JSON integer 1, so a plain == is not enough.
    key = Ed25519PrivateKey.generate()
    for protocol in (True, 1.0):
        envelope = seal({**saved("item_envelope")["payload"], "protocol": protocol}, key)  # correctly signed
        with pytest.raises(WireError, match="protocol"):
            open_envelope(envelope, public_key_text(key))
    assert open_envelope(seal(saved("item_envelope")["payload"], key), public_key_text(key))["protocol"] == 1


def test_protocol_1_0_is_refused_although_it_canonicalises_like_1_and_the_origins_signature_verifies():
    text = (SAVED / "item_envelope.json").read_text(encoding="utf-8")
    assert '"protocol": 1,' in text
    envelope = json.loads(text.replace('"protocol": 1,', '"protocol": 1.0,'))  # as a parser reads it off the wire
    assert canonical(envelope["payload"]) == canonical(saved("item_envelope")["payload"])
    with pytest.raises(WireError, match="protocol"):
        open_envelope(envelope, KEYS["aarhus-kommune"])


def test_missing_or_other_protocol_values_are_refused():
    key = Ed25519PrivateKey.generate()
    payload = saved("item_envelope")["payload"]
    without = {k: v for k, v in payload.items() if k != "protocol"}
    for bad in (without, *({**payload, "protocol": p} for p in (None, "1", 0, 2, -1, [1], {"v": 1}, False))):
        with pytest.raises(WireError, match="protocol"):
            open_envelope(seal(bad, key), public_key_text(key))


def test_speaks_protocol_is_true_only_for_an_object_with_the_integer_1():
    assert speaks_protocol({"protocol": 1})
    for bad in ({"protocol": True}, {"protocol": 1.0}, {"protocol": "1"}, {"protocol": 2}, {}, [("protocol", 1)], None):
        assert not speaks_protocol(bad)


def test_ingest_signature_check_ahead_of_time_refuses_a_signed_payload_with_protocol_true():
    key = Ed25519PrivateKey.generate()
    good = seal(saved("item_envelope")["payload"], key)
    bad = seal({**saved("item_envelope")["payload"], "protocol": True}, key)
    checked = check_signatures([good, bad], {"aarhus-kommune": [key.public_key()]})
    assert checked[0] is not None and checked[1] is None


def test_descriptor_with_protocol_true_or_1_0_is_refused():
    key = Ed25519PrivateKey.generate()
    payload = {**saved("node_descriptor")["payload"], "public_key": public_key_text(key)}
    assert check_descriptor(seal(payload, key)).id == "aarhus-kommune"
    for protocol in (True, 1.0):
        with pytest.raises(TrustError, match="protocol"):
            check_descriptor(seal({**payload, "protocol": protocol}, key))


def test_item_payload_shape_is_checked_after_verification():
    payload = saved("item_envelope")["payload"]
    with pytest.raises(WireError, match="origin"):
        check_item_payload({**payload, "id": "randers-kommune:natteravne"})
    with pytest.raises(WireError, match="content"):
        check_item_payload({**payload, "content": {**payload["content"], "extra": 1}})
    with pytest.raises(WireError, match="version"):
        check_item_payload({**payload, "version": 0})


def test_saved_tombstone_verifies():
    payload = open_envelope(saved("tombstone_envelope"), KEYS["aarhus-kommune"])
    assert check_item_payload(payload)["reason"] == "retracted"


def test_saved_withdrawal_verifies_and_names_the_new_and_the_earlier_audiences():
    payload = check_item_payload(open_envelope(saved("withdrawal_envelope"), KEYS["randers-kommune"]))
    assert payload["audience"] == {"districts": ["Østjyllands Politi"]}
    assert payload["withdrawn_from"] == ["network", {"nodes": ["det-kriminalpraeventive-raad"]}]
    assert "content" not in payload  # it tells nodes outside the audience to drop the item, nothing about it


def test_withdrawal_with_a_malformed_audience_is_refused():
    payload = saved("withdrawal_envelope")["payload"]
    for bad in ({"audience": {"nodes": "det-kriminalpraeventive-raad"}}, {"withdrawn_from": []},
                {"withdrawn_from": ["everyone"]}, {"audience": {"districts": ["x"], "everyone": ["y"]}},
                {"audience": {}}):
        with pytest.raises(WireError, match="withdrawal"):
            check_item_payload({**payload, **bad})


def test_withdrawal_to_districts_and_named_nodes_together_is_well_formed():
    payload = saved("withdrawal_envelope")["payload"]
    combined = {"districts": ["Østjyllands Politi"], "nodes": ["viborg-kommune"]}
    assert check_item_payload({**payload, "audience": combined})["audience"] == combined


def test_saved_descriptor_is_self_signed_and_endorsement_names_it():
    descriptor = check_descriptor(saved("node_descriptor"))
    assert descriptor.id == "aarhus-kommune"
    endorser = check_endorsement(descriptor, saved("endorsement"), {"oestjyllands-politi": KEYS["oestjyllands-politi"]})
    assert endorser == "oestjyllands-politi"


def test_endorsement_by_an_untrusted_node_or_for_another_key_is_refused():
    descriptor = check_descriptor(saved("node_descriptor"))
    with pytest.raises(TrustError, match="does not trust"):
        check_endorsement(descriptor, saved("endorsement"), {})
    forged = saved("node_descriptor")
    forged["payload"]["public_key"] = KEYS["oestjyllands-politi"]
    with pytest.raises(TrustError):
        check_descriptor(forged)


def test_the_saved_feed_page_announces_the_digest_of_the_saved_item_and_an_epoch():
    page, item = saved("feed_page"), saved("item_envelope")
    [entry] = page["changes"]
    assert entry["digest"] == digest(item["payload"]) == hashlib.sha256(canonical(item["payload"])).hexdigest()
    assert Change(41, item["payload"]["id"], 2, "item", digest(item["payload"])).to_json() == entry
    assert isinstance(page["epoch"], str) and 0 < len(page["epoch"]) <= 64


def test_a_change_with_the_held_digest_is_not_fetched_and_one_with_another_digest_is():
    [entry] = saved("feed_page")["changes"]
    held = Held(2, "item", "public", None, entry["digest"])
    assert not _wanted(entry, held)
    assert _wanted(entry, held._replace(digest="0" * 64))
    assert not _wanted({k: v for k, v in entry.items() if k != "digest"}, held._replace(digest="0" * 64))
