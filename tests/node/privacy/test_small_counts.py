"""Small-count suppression: counts 1 to threshold-1 are never shown, and no total gives one back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from node.privacy.small_counts import shown_count, suppress_observations


def obs(label: str, count: int | None, **extra) -> dict:
    return {"label": label, "count": count, **extra}


def shown(observations: list[dict]) -> list[str]:
    return [shown_count(o) for o in observations]


def test_counts_one_to_four_are_shown_as_under_five_and_zero_and_five_exactly():
    result = suppress_observations([obs("a", 0), obs("b", 1), obs("c", 4), obs("d", 5), obs("e", 40)], 5)
    assert shown(result) == ["0", "under 5", "under 5", "5", "40"]
    assert all(o["count"] is None for o in result[1:3])


def test_threshold_is_configurable_three_as_danmarks_statistik():
    assert shown(suppress_observations([obs("a", 2), obs("b", 3), obs("c", 4)], 3)) == ["under 3", "3", "4"]


def test_one_hidden_part_of_a_shown_total_hides_the_next_smallest_part_too():
    observations = [obs("piger", 3), obs("drenge", 9), obs("ukendt", 14), obs("I alt", 26, total=True)]
    result = suppress_observations(observations, 5)
    assert shown(result) == ["under 5", "skjult", "14", "26"]


def test_hidden_parts_that_sum_below_the_threshold_hide_another_part():
    # 1 + 2 hidden: total minus shown would say "3 in all", so both would be nearly known.
    observations = [obs("a", 1), obs("b", 2), obs("c", 6), obs("d", 20), obs("I alt", 29, total=True)]
    result = suppress_observations(observations, 5)
    assert shown(result) == ["under 5", "under 5", "skjult", "20", "29"]


def test_total_is_hidden_when_no_part_is_left_to_hide():
    result = suppress_observations([obs("a", 3), obs("b", 0), obs("I alt", 7, total=True)], 5)
    assert shown(result) == ["under 5", "0", "skjult"]


def test_small_total_is_itself_under_five_and_needs_no_secondary_suppression():
    assert shown(suppress_observations([obs("a", 2), obs("b", 1), obs("I alt", 3, total=True)], 5)) == \
        ["under 5", "under 5", "under 5"]


def test_without_a_total_only_small_counts_are_hidden():
    assert shown(suppress_observations([obs("a", 3), obs("b", 9)], 5)) == ["under 5", "9"]


def test_suppressing_twice_changes_nothing():
    once = suppress_observations([obs("a", 3), obs("b", 9), obs("c", 11), obs("I alt", 23, total=True)], 5)
    assert suppress_observations(once, 5) == once


def test_a_receiver_with_a_higher_threshold_hides_more_of_a_peers_suppressed_table():
    peers = suppress_observations([obs("a", 2), obs("b", 4), obs("c", 30), obs("I alt", 36, total=True)], 3)
    assert shown(peers) == ["under 3", "skjult", "30", "36"]
    assert shown(suppress_observations(peers, 5)) == ["under 5", "skjult", "30", "36"]


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8), st.integers(min_value=2, max_value=10))
def test_no_hidden_part_can_be_worked_out_from_the_total(counts, threshold):
    observations = [obs(f"o{i}", c) for i, c in enumerate(counts)] + [obs("I alt", sum(counts), total=True)]
    result = suppress_observations(observations, threshold)
    parts, total = result[:-1], result[-1]
    assert all(o["count"] is None for o, c in zip(parts, counts) if 0 < c < threshold)
    hidden = [o for o in parts if o["count"] is None]
    if total["count"] is not None and hidden:
        hidden_sum = total["count"] - sum(o["count"] for o in parts if o["count"] is not None)
        assert len(hidden) >= 2 and hidden_sum >= threshold
