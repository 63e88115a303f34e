"""The search page's filters in people's words: facet choices with counts, and the active filters as chips.

Values travel in the URL as the index holds them (a type's key, a municipality's code, a node's id); here
they get the words a person reads, the code kept for a `title` attribute only. Filter names and vocabulary
labels are translated into the interface language; names (municipalities, nodes, districts, tags) stay as
written and are marked Danish for the page (`Choice.lang`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from node.core.geography import municipality_name
from node.core.translation import N_
from node.core.translation import gettext as _
from node.items.vocabulary import TYPE_PLURALS, TYPES

# Query parameter -> (document attribute of its facet, the filter's Danish name), in the panel's order.
FILTERS = {
    "type": ("type", N_("Type")),
    "municipality": ("municipalities", N_("Kommune")),
    "district": ("police_districts", N_("Politikreds")),
    "prevention_level": ("prevention_level", N_("Forebyggelsesniveau")),
    "target_group": ("target_groups", N_("Målgruppe")),
    "cooperation": ("cooperation", N_("Samarbejde")),
    "origin": ("origin", N_("Udgivet af")),
    "year": ("year", N_("År")),
    "tag": ("", N_("Emneord")),  # no facet: tags are chosen from an item's page
}
# The filters whose values are names or content, shown as written and marked Danish (`lang="da"`).
NAMED_VALUES = frozenset({"municipality", "district", "cooperation", "origin", "tag"})


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
        """The name of the filter the value belongs to, in the interface language ('Kommune', 'Municipality')."""
        return _(FILTERS[self.param][1])

    @property
    def lang(self) -> str:
        """The words' language for the page: "da" for a name or content kept as written, "" for the interface's own."""
        return "da" if self.param in NAMED_VALUES else ""


@dataclass(frozen=True)
class Facet:
    """One filter of the panel with its choices."""

    param: str
    legend: str
    choices: list[Choice]


def value_words(param: str, value: str, origins: Mapping[str, str], plural: bool = False) -> tuple[str, str]:
    """A filter value in people's words, and the code behind it when the words hide one (else "")."""
    if param == "type":
        return _((TYPE_PLURALS if plural else TYPES).get(value, value)), ""
    if param == "municipality":
        name = municipality_name(value)
        return name, (value if name != value else "")
    if param == "origin":
        return origins.get(value, value), ""
    if param in ("prevention_level", "target_group"):
        words = _(value)  # the vocabulary's values are marked in node.items.vocabulary
        return words[:1].upper() + words[1:], ""
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
            panel.append(Facet(param, _(legend), choices))
    return panel


def link_args(args: Mapping[str, str], without: Sequence[str] = (), **changes: object) -> dict[str, object]:
    """The query of a link from this search: the same words and filters, some left out or changed, page 1."""
    kept = {name: value for name, value in args.items() if value and name not in (*without, "page")}
    return {**kept, **changes}
