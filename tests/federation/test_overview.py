"""What the admin page says about a peer's clock."""

from federation.overview import clock_note


def test_a_clock_off_by_rounding_only_is_not_mentioned():
    assert clock_note(None) is None
    assert clock_note(-4) is None


def test_a_clock_off_by_minutes_is_shown_in_danish_with_its_direction():
    assert clock_note(240) == "Dens ur går 4 min 0 s foran"
    assert clock_note(-75) == "Dens ur går 1 min 15 s bagud"


def test_a_clock_off_past_the_tolerated_bound_is_a_warning():
    assert clock_note(-301).endswith("mere end de 5 minutter der tåles: dens kald afvises")
