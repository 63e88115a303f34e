"""The search page's filters in people's words: facet choices with counts, and the active filters as chips.

Values travel in the URL as the index holds them (a type's key, a municipality's code, a node's id); here
they get the Danish words a person reads, the code kept for a `title` attribute only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from node.core.geography import municipality_name
from node.items.vocabulary import TYPE_PLURALS, TYPES

# Query parameter -> (document attribute of its facet, the filter's Danish name), in the panel's order.
FILTERS = {
    "type": ("type", "Type"),
    "municipality": ("municipalities", "Kommune"),
    "district": ("police_districts", "Politikreds"),
    "prevention_level": ("prevention_level", "Forebyggelsesniveau"),
    "target_group": ("target_groups", "Målgruppe"),
    "cooperation": ("cooperation", "Samarbejde"),
    "origin": ("origin", "Udgivet af"),
    "year": ("year", "År"),
    "tag": ("", "Emneord"),  # no facet: tags are chosen from an item's page
}


@dataclass(frozen=True)
class Choice:
    """One value of a filter as shown: its words, its code for a tooltip, its count and whether it is chosen."""

    param: str
    value: str
    words: str
    code: str = ""
    count: int | None = None
    chosen: bool = False

    @property
    def filter_name(self) -> str:
        """The Danish name of the filter the value belongs to ('Kommune')."""
        return FILTERS[self.param][1]


@dataclass(frozen=True)
class Facet:
    """One filter of the panel with its choices."""

    param: str
    legend: str
    choices: list[Choice]


def value_words(param: str, value: str, origins: Mapping[str, str], plural: bool = False) -> tuple[str, str]:
    """A filter value in people's words, and the code behind it when the words hide one (else "")."""
    if param == "type":
        return (TYPE_PLURALS if plural else TYPES).get(value, value), ""
    if param == "municipality":
        name = municipality_name(value)
        return name, (value if name != value else "")
    if param == "origin":
        return origins.get(value, value), ""
    if param in ("prevention_level", "target_group"):
        return value[:1].upper() + value[1:], ""
    return value, ""


def chosen_filters(filters: Mapping[str, str], origins: Mapping[str, str]) -> list[Choice]:
    """The filters a search runs with, in the panel's order, as chips."""
    return [Choice(param, filters[param], *value_words(param, filters[param], origins), chosen=True)
            for param in FILTERS if param in filters]


def facet_panel(counts: Mapping[str, Mapping[str, int]], filters: Mapping[str, str],
                origins: Mapping[str, str]) -> list[Facet]:
    """The facets with counts as the index gave them (audience-filtered there); a chosen value is always listed."""
    panel = []
    for param, (attribute, legend) in FILTERS.items():
        values = {str(value): count for value, count in counts.get(attribute, {}).items()} if attribute else {}
        if param in filters and filters[param] not in values and attribute:
            values[filters[param]] = None  # chosen but without hits now: still shown, so it can be undone
        choices = [Choice(param, value, *value_words(param, value, origins, plural=True), count=count,
                          chosen=filters.get(param) == value) for value, count in values.items()]
        if choices:
            panel.append(Facet(param, legend, choices))
    return panel


def link_args(args: Mapping[str, str], without: Sequence[str] = (), **changes: object) -> dict[str, object]:
    """The query of a link from this search: the same words and filters, some left out or changed, page 1."""
    kept = {name: value for name, value in args.items() if value and name not in (*without, "page")}
    return {**kept, **changes}
