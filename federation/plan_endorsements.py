"""Plan endorsements: a participating municipality's node signs that it joins a plan version; who has joined what.

An endorsement is a signed envelope in the endorsing node's changes feed. It
shares its plan's audience and follows the plan's row in the feed (see
federation/changes.py), so it is relayed by every node that holds the plan, and
it is dropped with the plan when the plan is retracted or expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.changes import held_payload, held_versions, plan_endorsement_row, replace_envelopes
from federation.local import LocalNode
from federation.models import Envelope, EnvelopeKind, KnownNode
from federation.wire import canonical, plan_endorsement_id, plan_endorsement_payload, seal, stored_text
from node.accounts.users import has_role
from node.core.geography import municipality_name
from node.core.models import Item, ItemStatus, Role, User, utcnow
from node.core.translation import gettext as _
from node.items.schema import format_datetime


class EndorsementError(ValueError):
    """An endorsement this node may not make, with a message for the user (Danish outside a web request)."""


@dataclass(frozen=True)
class Endorsement:
    """One node's endorsement of one version of a plan, as shown to users."""

    municipality: str
    endorser: str
    endorser_name: str
    version: int
    endorsed_at: datetime
    plan_digest: str
    current: bool  # for the plan's current version (else for an older one)

    def to_json(self) -> dict[str, Any]:
        """The endorsement as the API shows it."""
        return {"municipality": self.municipality, "municipality_name": municipality_name(self.municipality),
                "endorser": self.endorser, "endorser_name": self.endorser_name, "version": self.version,
                "endorsed_at": format_datetime(self.endorsed_at), "plan_digest": self.plan_digest,
                "current": self.current}


@dataclass(frozen=True)
class Participant:
    """A participating municipality of a plan and the endorsements made by its nodes, newest version first."""

    code: str
    name: str
    endorsements: list[Endorsement]


def participants_of(plan: Item) -> list[str]:
    """The municipality codes a plan lists as participating."""
    return list((plan.details or {}).get("participating_municipalities") or [])


def endorsement_refusal(plan: Item, local: LocalNode) -> str | None:
    """Why this node may not endorse the plan's current version (in the interface language), or None when it may."""
    if plan.type != "plan":
        return _("kun en handleplan kan tilsluttes")
    if plan.status != ItemStatus.PUBLISHED:
        return _("kun en udgivet handleplan kan tilsluttes")
    if local.settings.kind != "municipality" or local.settings.municipality not in participants_of(plan):
        return _("denne node tilhører ikke en af planens deltagende kommuner")
    return None


def endorse_plan(session: Session, plan: Item, local: LocalNode, user: User | None = None) -> bool:
    """Sign this node's endorsement of the plan's current version into the feed; False if it has one already.

    `user` is the acting user (a publisher); None means the node's administrator on the command line.
    """
    if user is not None and not has_role(user, Role.PUBLISHER):
        raise EndorsementError(_("kun en udgiver kan tilslutte kommunen til en handleplan"))
    refusal = endorsement_refusal(plan, local)
    if refusal:
        raise EndorsementError(refusal)
    held = held_versions(session, [plan.id]).get(plan.id)
    if held is None or held.kind != EnvelopeKind.ITEM or held.version != plan.version:
        raise EndorsementError(_("version %(version)s af handleplanen findes ikke signeret på denne node",
                                 version=plan.version))
    payload = plan_endorsement_payload(local.id, local.settings.municipality, held_payload(session, plan.id),
                                       format_datetime(utcnow()))
    if plan_endorsement_id(payload) in held_versions(session, [plan_endorsement_id(payload)]):
        return False
    envelope = seal(payload, local.key)
    text = stored_text(canonical(payload), envelope["signature"])
    replace_envelopes(session, [plan_endorsement_row(payload, text, held, None)])
    return True


def plan_participants(session: Session, plan: Item, local: LocalNode) -> list[Participant]:
    """Each participating municipality of the plan with the endorsements this node holds from its nodes."""
    payloads = [json.loads(text)["payload"] for text in session.scalars(
        select(Envelope.envelope).where(Envelope.subject == plan.id, Envelope.kind == EnvelopeKind.PLAN_ENDORSEMENT))]
    names = dict(session.execute(select(KnownNode.id, KnownNode.name)
                                 .where(KnownNode.id.in_({p["endorser"] for p in payloads}))).all())
    names[local.id] = local.settings.name
    endorsements = sorted((_endorsement(p, names, plan) for p in payloads), key=lambda e: (-e.version, e.endorser))
    return [Participant(code, municipality_name(code), [e for e in endorsements if e.municipality == code])
            for code in participants_of(plan)]


def plan_endorsements_json(session: Session, plan: Item, local: LocalNode) -> list[dict[str, Any]]:
    """Every endorsement of the plan held here by a participating municipality's node, as the API shows them."""
    return [e.to_json() for p in plan_participants(session, plan, local) for e in p.endorsements]


def _endorsement(payload: dict[str, Any], names: dict[str, str], plan: Item) -> Endorsement:
    endorser = payload["endorser"]
    return Endorsement(payload["municipality"], endorser, names.get(endorser, endorser),
                       payload["version"], datetime.fromisoformat(payload["endorsed_at"].replace("Z", "+00:00")),
                       payload["plan_digest"], payload["version"] == plan.version)
