"""Danish labels for every stored value that reaches a page: item types and states, node kinds, peer and feed states.

Pure dicts and functions, keyed by the values as stored (strings), so that the web plumbing can use them
without importing the features that declare the enums (federation, subscriptions); the tests check that
every value of those enums has a label here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from node.accounts.lifecycle import STATE_LABELS as USER_STATE_LABELS
from node.accounts.logins import OUTCOME_LABELS
from node.accounts.users import ROLE_LABELS
from node.audit.models import AUDIENCE_LABELS
from node.items.vocabulary import TYPES

# Each item type with its grammatical gender: "et praksiseksempel" but "en metode".
NEUTER_TYPES = frozenset({"practice"})
# The definite forms: "praksiseksemplet", "metoden".
DEFINITE_TYPES = {"practice": "praksiseksemplet", "method": "metoden", "bulletin": "tendensbulletinen",
                  "plan": "handleplanen", "guidance": "vejledningen"}

ITEM_STATUSES = {
    "draft": "Kladde",
    "awaiting_approval": "Afventer godkendelse",
    "published": "Udgivet",
    "retracted": "Tilbagetrukket",
    "expired": "Udløbet",
}

APPROVALS = {
    "second_person": "Godkendt af en anden udgiver",
    "admin_import": "Godkendt ved administratorens import",
}

NODE_KINDS = {
    "municipality": "Kommune",
    "police": "Politikreds / Infohus",
    "national": "National aktør",
}

# The kind in one word, where the node's name stands beside it (the header, the network picture).
NODE_KINDS_SHORT = {"municipality": "Kommune", "police": "Politikreds", "national": "Nationalt organ"}

PEER_STATES = {
    "pending": "Afventer godkendelse",
    "approved": "Godkendt",
    "backing_off": "Venter efter fejl",
    "suspended": "På pause",
    "blocked": "Blokeret",
}

SUBSCRIPTION_STATES = {
    "queued": "Venter på hentning",
    "fetching": "Henter nu",
    "active": "Aktiv",
    "backing_off": "Venter efter fejl",
}

HELD_ENTRY_STATES = {"held": "Venter på gennemsyn", "rejected": "Afvist"}

TOKEN_STATES = {"active": "Aktiv", "revoked": "Tilbagekaldt"}

WAITS_FOR = {"key": "Venter på afsenderens nøgle", "plan": "Venter på den handleplan, tilslutningen gælder"}

ALERT_KINDS = {"key-conflict": "Modstridende nøgler", "facts": "Forkerte oplysninger om noden"}

# Every group of labels by the name templates use: `{{ p.state | label('peer') }}`.
LABELS: dict[str, dict[str, str]] = {
    "type": TYPES,
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


def label(value: str | None, group: str) -> str:
    """The Danish label of a stored value in one group; an unknown value is shown as "ukendt" rather than raw."""
    if value is None:
        return "—"
    return LABELS[group].get(str(value), "ukendt")


def new_item_heading(item_type: str) -> str:
    """The heading of the editor for a new item, with the article's gender: "Nyt praksiseksempel", "Ny metode"."""
    adjective = "Nyt" if item_type in NEUTER_TYPES else "Ny"
    return f"{adjective} {TYPES[item_type].lower()}"


def definite(item_type: str) -> str:
    """The item type in its definite form: "praksiseksemplet", "metoden"."""
    return DEFINITE_TYPES[item_type]


def key_source(vouched_by: str, node_id: str, name_of: Callable[[str], str]) -> str:
    """How a known node's key was accepted, in words: by peering, as a trust anchor, or on whose recommendation."""
    if vouched_by == "peering":
        return "Godkendt direkte som peer"
    endorsers = [e for e in vouched_by.split(",") if e]
    if endorsers == [node_id]:
        return "Tillidsanker sat op på denne node"
    if not endorsers:
        return "ukendt"
    return "Anbefalet af " + joined(name_of(e) for e in endorsers)


def joined(words: Iterable[str]) -> str:
    """Words joined the Danish way: "A", "A og B", "A, B og C"."""
    words = list(words)
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " og " + words[-1]
