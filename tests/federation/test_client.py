"""The peer client's reading of a peer's clock from its answers."""

from email.utils import formatdate

from federation.client import clock_offset

NOW = 1_790_000_000.0


def test_clock_offset_is_how_far_the_peers_date_header_is_ahead():
    assert clock_offset(formatdate(NOW + 240, usegmt=True), NOW) == 240
    assert clock_offset(formatdate(NOW - 90, usegmt=True), NOW) == -90


def test_clock_offset_is_unknown_without_a_readable_date_header():
    assert clock_offset(None, NOW) is None
    assert clock_offset("i går", NOW) is None
