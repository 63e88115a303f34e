"""Small-count suppression for bulletin observations: counts below a threshold are never shown exactly.

Pure functions over the observation list of a bulletin (`details.observations`).
An observation is `{"label", "count"}`. Some lines are totals, recognised by their
label or by the `"total": true` marker (docs/small-counts.md has the whole rule):

- a **total** names one: its label contains "i alt", "samlet"/"samlede" or
  "total"/"totalt" (any case), or it carries the marker;
- a **heraf line** ("heraf piger 8") is a part of the nearest total above it and at
  the same time the total of the plain lines directly below it;
- a **plain line** is within the total directly above and the total directly below
  it (the lines between two totals count for both, which can only hide more), unless
  its shown count is larger than that total's: then it cannot be a part of it.

Suppression replaces a count with `None` and says why:

- primary: a count from 1 to threshold-1 becomes `{"count": None, "under": threshold}`,
  shown as "under 5";
- secondary: when a total is shown, hiding one of its parts is not enough (the total
  minus the shown parts would give it back), so further parts of that total are
  hidden as `{"count": None, "hidden": true}` until at least two are hidden and their
  sum is not itself small, or else the total is hidden. A line outside every total is
  never hidden for one.

Suppressing already suppressed observations changes nothing, so a node can apply its
own threshold to what it stores, shows and receives alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from node.core.translation import gettext as _

Observation = dict[str, Any]

_TOTAL_WORDS = re.compile(r"\b(i\s+alt|samlet|samlede|total|totalt)\b", re.IGNORECASE)
_HERAF = re.compile(r"\bheraf\b", re.IGNORECASE)


class LineKind(IntEnum):
    """What a line of observations is: a total, a heraf line (a part and a sub-total) or a plain part."""

    TOTAL = 0
    HERAF = 1
    PART = 2


def line_kind(observation: Observation) -> LineKind:
    """Whether the line is a total, a heraf line or a plain part, by its label (or the explicit total marker)."""
    label = observation.get("label", "")
    if _HERAF.search(label):
        return LineKind.HERAF
    if observation.get("total") or _TOTAL_WORDS.search(label):
        return LineKind.TOTAL
    return LineKind.PART


@dataclass(frozen=True)
class ShownLine:
    """One observation as readers will see it, with what the line is and why it shows what it shows."""

    label: str
    shown: str
    role: str
    reason: str
    hidden_now: bool  # a count given as a number that suppression hides (not one that came hidden already)


def suppress_observations(observations: list[Observation], threshold: int) -> list[Observation]:
    """The observations with every small count hidden, and enough others that no hidden count can be derived."""
    return _Suppression(observations, threshold).result


def explain_observations(observations: list[Observation], threshold: int) -> list[ShownLine]:
    """Each observation as it will be shown ("under 5", "skjult" or the number), its role and the reason for it."""
    run = _Suppression(observations, threshold)
    return [ShownLine(o["label"], shown_words(o), run.role(i), run.reason(i), run.hidden_now(i))
            for i, o in enumerate(run.result)]


def shown_words(observation: Observation) -> str:
    """The count as a reader sees it, in the interface's language ("under 5", "skjult"); `shown_count` stays Danish."""
    if observation.get("count") is not None:
        return str(observation["count"])
    if observation.get("under"):
        return _("under %(threshold)s", threshold=observation["under"])
    return _("skjult")


def shown_count(observation: Observation) -> str:
    """The count as a reader sees it: the number, "under N", or "skjult"."""
    if observation.get("count") is not None:
        return str(observation["count"])
    if observation.get("under"):
        return f"under {observation['under']}"
    return "skjult"


def total_groups(observations: list[Observation]) -> list[tuple[int, list[int]]]:
    """Each total's line index with the indexes of the lines that may be its parts, by position and count."""
    kinds = [line_kind(o) for o in observations]
    groups = []
    for index, kind in enumerate(kinds):
        if kind == LineKind.PART:
            continue
        members = _plain_run(kinds, index, +1)
        if kind == LineKind.TOTAL:
            members = _plain_run(kinds, index, -1) + members + _heraf_lines_after(kinds, index)
        groups.append((index, [m for m in members if _may_be_part(observations[m], observations[index])]))
    return groups


def _plain_run(kinds: list[LineKind], index: int, step: int) -> list[int]:
    # The plain lines directly above (step -1) or below (step +1) a total, up to the next line that is not plain.
    run, at = [], index + step
    while 0 <= at < len(kinds) and kinds[at] == LineKind.PART:
        run.append(at)
        at += step
    return sorted(run)


def _heraf_lines_after(kinds: list[LineKind], index: int) -> list[int]:
    # "I alt 20 / heraf piger 8 / heraf drenge 12": the heraf lines up to the next total are its parts.
    found = []
    for at in range(index + 1, len(kinds)):
        if kinds[at] == LineKind.TOTAL:
            break
        if kinds[at] == LineKind.HERAF:
            found.append(at)
    return found


def _may_be_part(part: Observation, total: Observation) -> bool:
    # A shown count larger than the total cannot be a part of it ("17 / 3 / I alt sigtede 6": the 17 is not).
    return part.get("count") is None or total.get("count") is None or part["count"] <= total["count"]


class _Suppression:
    """One run of suppression over a list of observations, remembering why each count was hidden."""

    def __init__(self, observations: list[Observation], threshold: int):
        self.threshold = threshold
        self.given = observations
        self.kinds = [line_kind(o) for o in observations]
        self.result = [_primary(o, threshold) for o in observations]
        self.why: dict[int, str] = {i: "under" for i, o in enumerate(observations) if self._newly_under(o)}
        self.why.update({i: "earlier" for i, o in enumerate(self.result) if o["count"] is None and i not in self.why})
        # Grouped on the counts as they stand, as a second run would see them: a hidden count may be part of any
        # total next to it. Each round only hides more, so repeating until nothing changes ends, safe for all.
        while True:
            self.groups = total_groups(self.result)
            if not any([self._make_safe(total, parts) for total, parts in self.groups]):
                break

    def _newly_under(self, observation: Observation) -> bool:
        # A count that arrives as "under N" was hidden before (by the author's edit form or a peer).
        count = observation.get("count")
        return count is not None and 0 < count < self.threshold

    def _make_safe(self, total_index: int, parts: list[int]) -> bool:
        # With the total shown, a reader learns the sum of its hidden parts: total minus the shown ones.
        # That is safe only when at least two parts are hidden and their sum is not itself small.
        changed = False
        while (total := self.result[total_index])["count"] is not None:
            hidden = [i for i in parts if self.result[i]["count"] is None]
            shown = [i for i in parts if self.result[i]["count"]]  # hiding a zero would not hide anything
            hidden_sum = total["count"] - sum(self.result[i]["count"] or 0 for i in parts)
            if not hidden or (len(hidden) >= 2 and hidden_sum >= self.threshold):
                break
            target = min(shown, key=lambda i: self.result[i]["count"]) if shown else total_index
            self.result[target] = _hidden(self.result[target])
            self.why[target] = f"total:{total_index}" if shown else "own-total"
            changed = True
        return changed

    def hidden_now(self, index: int) -> bool:
        """Whether this run hid the line's count (it came as a number)."""
        return self.why.get(index, "earlier") != "earlier"

    def role(self, index: int) -> str:
        """What the line is: a total, a heraf line, a part of a named total, or outside every total."""
        # Told on the counts as the author gave them: once a total is hidden any line may be grouped with it,
        # but a 17 beside "I alt sigtede 6" is still no part of it.
        owners = [self.result[t]["label"] for t, parts in self.groups
                  if index in parts and _may_be_part(self.given[index], self.given[t])]
        if self.kinds[index] == LineKind.TOTAL:
            return _("total")
        if self.kinds[index] == LineKind.HERAF:
            return _("heraf-linje (del af %(totals)s)", totals=_names(owners)) if owners else _("heraf-linje")
        return _("del af %(totals)s", totals=_names(owners)) if owners else _("ikke del af nogen total")

    def reason(self, index: int) -> str:
        """Why the line shows what it shows."""
        why = self.why.get(index)
        if why is None:
            return _("vises")
        if why == "under":
            return _("under grænsen på %(threshold)s", threshold=self.threshold)
        if why == "earlier":
            return _("var allerede skjult")
        if why == "own-total":
            return _("skjult, så de skjulte tal ikke kan regnes ud fra totalen")
        total = self.result[int(why.partition(":")[2])]["label"]
        return _("skjult, så tallet ikke kan regnes ud fra totalen «%(total)s»", total=total)


def _names(labels: list[str]) -> str:
    return _(" og ").join(f"«{label}»" for label in labels)


def _primary(observation: Observation, threshold: int) -> Observation:
    # A peer's "under 3" is shown as this node's "under 5": true, and in line with its own rule.
    count, under = observation.get("count"), observation.get("under")
    if (count is not None and 0 < count < threshold) or (under is not None and under < threshold):
        return {**_without_count(observation), "count": None, "under": threshold}
    return dict(observation)


def _hidden(observation: Observation) -> Observation:
    return {**_without_count(observation), "count": None, "hidden": True}


def _without_count(observation: Observation) -> Observation:
    return {k: v for k, v in observation.items() if k not in ("count", "under", "hidden")}
