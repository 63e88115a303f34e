"""Labels for every stored value that reaches a page: item types and states, node kinds, peer and feed states.

Pure dicts and functions, keyed by the values as stored (strings), so that the web plumbing can use them
without importing the features that declare the enums (federation, subscriptions); the tests check that
every value of those enums has a label here. The labels are written in Danish and marked for the catalogue;
`label` translates them where they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from node.accounts.lifecycle import STATE_LABELS as USER_STATE_LABELS
from node.accounts.logins import OUTCOME_LABELS
from node.accounts.users import ROLE_LABELS
from node.audit.models import AUDIENCE_LABELS
from node.core.translation import N_, danish
from node.core.translation import gettext as _
from node.items.vocabulary import DETAIL_CHOICES, PREVENTION_LEVELS, TARGET_GROUPS, TYPE_PLURALS, TYPES

# The editor's heading for a new item, whole per type: the Danish adjective follows the type's gender
# ("Nyt praksiseksempel", "Ny metode"), which English does not have.
NEW_ITEM_HEADINGS = {"practice": N_("Nyt praksiseksempel"), "method": N_("Ny metode"),
                     "bulletin": N_("Ny tendensbulletin"), "plan": N_("Ny handleplan"), "guidance": N_("Ny vejledning")}
# The definite forms: "praksiseksemplet", "metoden".
DEFINITE_TYPES = {"practice": N_("praksiseksemplet"), "method": N_("metoden"), "bulletin": N_("tendensbulletinen"),
                  "plan": N_("handleplanen"), "guidance": N_("vejledningen")}

ITEM_STATUSES = {
    "draft": N_("Kladde"),
    "awaiting_approval": N_("Afventer godkendelse"),
    "published": N_("Udgivet"),
    "retracted": N_("Tilbagetrukket"),
    "expired": N_("Udløbet"),
}

APPROVALS = {
    "second_person": N_("Godkendt af en anden udgiver"),
    "admin_import": N_("Godkendt ved administratorens import"),
}

NODE_KINDS = {
    "municipality": N_("Kommune"),
    "police": N_("Politikreds / Infohus"),
    "national": N_("National aktør"),
}

# The kind in one word, where the node's name stands beside it (the header, the network picture).
NODE_KINDS_SHORT = {"municipality": N_("Kommune"), "police": N_("Politikreds"), "national": N_("Nationalt organ")}

PEER_STATES = {
    "pending": N_("Afventer godkendelse"),
    "approved": N_("Godkendt"),
    "backing_off": N_("Venter efter fejl"),
    "suspended": N_("På pause"),
    "blocked": N_("Blokeret"),
}

SUBSCRIPTION_STATES = {
    "queued": N_("Venter på hentning"),
    "fetching": N_("Henter nu"),
    "active": N_("Aktiv"),
    "backing_off": N_("Venter efter fejl"),
}

HELD_ENTRY_STATES = {"held": N_("Venter på gennemsyn"), "rejected": N_("Afvist")}

TOKEN_STATES = {"active": N_("Aktiv"), "revoked": N_("Tilbagekaldt")}

WAITS_FOR = {"key": N_("Venter på afsenderens nøgle"), "plan": N_("Venter på den handleplan, tilslutningen gælder")}

ALERT_KINDS = {"key-conflict": N_("Modstridende nøgler"), "facts": N_("Forkerte oplysninger om noden")}

# Every group of labels by the name templates use: `{{ p.state | label('peer') }}`.
LABELS: dict[str, dict[str, str]] = {
    "type": TYPES,
    "type_plural": TYPE_PLURALS,
    # Values from the item format's fixed choices: stored in Danish, shown in the interface language.
    "prevention_level": {level: level for level in PREVENTION_LEVELS},
    "target_group": {group: group for group in TARGET_GROUPS},
    "choice": {choice: choice for choice in DETAIL_CHOICES},
    "status": ITEM_STATUSES,
    "approval": APPROVALS,
    "node_kind": NODE_KINDS,
    "node_kind_short": NODE_KINDS_SHORT,
    "peer": PEER_STATES,
    "subscription": SUBSCRIPTION_STATES,
    "held_entry": HELD_ENTRY_STATES,
    "token": TOKEN_STATES,
    "user": {str(k): v for k, v in USER_STATE_LABELS.items()},
    "role": {str(k): v for k, v in ROLE_LABELS.items()},
    "login": {str(k): v for k, v in OUTCOME_LABELS.items()},
    "audience": AUDIENCE_LABELS,
    "waits_for": WAITS_FOR,
    "alert": ALERT_KINDS,
}


def label(value: str | None, group: str, translated: bool = True) -> str:
    """The label of a stored value in one group (translated unless asked for the Danish); never the raw value."""
    if value is None:
        return "—"
    found = LABELS[group].get(str(value), N_("ukendt"))
    return _(found) if translated else found


def new_item_heading(item_type: str) -> str:
    """The heading of the editor for a new item, with the article's gender: "Nyt praksiseksempel", "Ny metode"."""
    return _(NEW_ITEM_HEADINGS[item_type])


def definite(item_type: str) -> str:
    """The item type in its definite form: "praksiseksemplet", "metoden" ("the practice example")."""
    return _(DEFINITE_TYPES[item_type])


def key_source(vouched_by: str, node_id: str, name_of: Callable[[str], str]) -> str | Markup:
    """How a known node's key was accepted, in words: by peering, as a trust anchor, or on whose recommendation."""
    if vouched_by == "peering":
        return _("Godkendt direkte som peer")
    endorsers = [e for e in vouched_by.split(",") if e]
    if endorsers == [node_id]:
        return _("Tillidsanker sat op på denne node")
    if not endorsers:
        return _("ukendt")
    # The names are marked Danish on a page in another language, so the sentence is markup, the names escaped.
    names = joined(danish(name_of(e)) for e in endorsers)
    return Markup(escape(_("Anbefalet af %(names)s"))) % {"names": names}


def joined(words: Iterable[str]) -> Markup:
    """Words joined as the language does: "A", "A og B", "A, B og C" ("A, B and C"); escaped unless markup."""
    words = list(words)
    if len(words) < 2:
        return Markup("").join(words)
    return Markup(escape(_("%(first)s og %(last)s"))) % {"first": Markup(", ").join(words[:-1]), "last": words[-1]}
