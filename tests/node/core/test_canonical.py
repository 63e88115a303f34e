"""The fast canonical JSON gives exactly the bytes of the reference RFC 8785 implementation."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from node.core.canonical import canonical_json
from tests.helpers.envelopes import saved

# Every kind of JSON value, including what the fast path must hand over: floats, huge integers,
# non-ASCII and astral-plane keys, control characters and U+2028 in strings.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=1500, deadline=None)
@given(json_values)
def test_fast_canonical_json_equals_the_reference_or_fails_the_same_way(value):
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        with pytest.raises(type(exc)):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


def test_keys_outside_the_basic_plane_sort_by_utf16_code_units_as_rfc8785_requires():
    value = {"\U0001F600": 1, "\uE000": 2, "a": 3}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json(value).index("\uE000".encode()) > canonical_json(value).index("\U0001F600".encode())


def test_saved_test_vectors_canonicalise_to_the_documented_bytes():
    payload = saved("tombstone_envelope")["payload"]
    assert canonical_json(payload) == (
        b'{"at":"2026-11-02T10:00:00Z","id":"aarhus-kommune:natteravne","origin":"aarhus-kommune","protocol":1,'
        b'"reason":"retracted","type":"vidensnet.tombstone","version":2}'
    )


def test_integers_beyond_the_safe_range_cannot_be_canonicalised():
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_json({"count": 2**53})
