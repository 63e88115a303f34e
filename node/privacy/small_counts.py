"""Small-count suppression for bulletin observations: counts below a threshold are never shown exactly.

Pure functions over the observation list of a bulletin (`details.observations`).
An observation is `{"label", "count"}`; one of them may be the total
(`"total": true`). Suppression replaces a count with `None` and says why:

- primary: a count from 1 to threshold-1 becomes `{"count": None, "under": threshold}`,
  shown as "under 5";
- secondary: when a total is shown, hiding one count is not enough (total minus the
  shown counts would give it back), so further counts are hidden as
  `{"count": None, "hidden": true}` until the hidden ones cannot be worked out, or
  else the total is hidden.

Suppressing already suppressed observations changes nothing, so a node can apply its
own threshold to what it stores, shows and receives alike.
"""

from __future__ import annotations

from typing import Any

Observation = dict[str, Any]


def suppress_observations(observations: list[Observation], threshold: int) -> list[Observation]:
    """The observations with every small count hidden, and enough others that no hidden count can be derived."""
    result = [_primary(o, threshold) for o in observations]
    total = next((o for o in result if o.get("total")), None)
    if total is not None and total["count"] is not None:
        _secondary(result, total, threshold)
    return result


def shown_count(observation: Observation) -> str:
    """The count as a reader sees it: the number, "under N", or "skjult"."""
    if observation.get("count") is not None:
        return str(observation["count"])
    if observation.get("under"):
        return f"under {observation['under']}"
    return "skjult"


def _primary(observation: Observation, threshold: int) -> Observation:
    # A peer's "under 3" is shown as this node's "under 5": true, and in line with its own rule.
    count, under = observation.get("count"), observation.get("under")
    if (count is not None and 0 < count < threshold) or (under is not None and under < threshold):
        return {**_without_count(observation), "count": None, "under": threshold}
    return dict(observation)


def _secondary(observations: list[Observation], total: Observation, threshold: int) -> None:
    # With the total shown, a reader learns the sum of the hidden parts: total minus the shown ones.
    # That is safe only when at least two parts are hidden and their sum is not itself small.
    parts = [o for o in observations if not o.get("total")]
    while True:
        hidden = [o for o in parts if o["count"] is None]
        if not hidden:
            return
        hidden_sum = total["count"] - sum(o["count"] for o in parts if o["count"] is not None)
        if len(hidden) >= 2 and hidden_sum >= threshold:
            return
        shown = [o for o in parts if o["count"]]  # hiding a zero would not hide anything
        if not shown:
            total.update(_hidden(total))
            return
        smallest = min(shown, key=lambda o: o["count"])
        smallest.update(_hidden(smallest))


def _hidden(observation: Observation) -> Observation:
    return {**_without_count(observation), "count": None, "hidden": True}


def _without_count(observation: Observation) -> Observation:
    return {k: v for k, v in observation.items() if k not in ("count", "under", "hidden")}
