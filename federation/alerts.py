"""Trust alerts: contradictions about a node's key or facts, kept with their signed evidence for the admin.

Nothing an alert is about is ever applied. Alerts are counted per node, kind and reporting peer, so a peer
that repeats its story (or invents a new key each time) adds to one row rather than filling the table.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.models import AlertKind, TrustAlert
from node.core.models import utcnow

MAX_KEYS_KEPT = 10  # keys listed on one alert; the count of sightings goes on
# Evidence kept from one answer: its descriptor and first endorsements, at most this much signed JSON.
MAX_EVIDENCE_ENDORSEMENTS, MAX_EVIDENCE_CHARS = 16, 64 * 1024


def record_key_conflict(session: Session, node_id: str, accepted: str | None, claims: list[dict[str, Any]],
                        answers: list[tuple[str, Any]], reported_by: str) -> TrustAlert:
    """Record that endorsers which count vouch for another key than `accepted` (or for several keys of a new node)."""
    keys = {c["key"] for c in claims} | ({accepted} if accepted else set())
    evidence = [_evidence(peer, record) for peer, record in answers]
    return _record(session, node_id, AlertKind.KEY_CONFLICT, keys, claims, evidence, reported_by)


def record_false_facts(session: Session, node_id: str, approved: dict[str, Any],
                       descriptor: dict[str, Any]) -> TrustAlert:
    """Record that an approved peer signed a descriptor with another kind, municipality or district."""
    claims = [{"by": node_id, "key": descriptor["payload"]["public_key"], "at": descriptor["payload"].get("issued_at"),
               "claimed": {f: descriptor["payload"].get(f) for f in approved}, "approved": approved}]
    return _record(session, node_id, AlertKind.FACTS, {descriptor["payload"]["public_key"]}, claims,
                   [{"from": node_id, "answer": {"descriptor": descriptor}}], node_id)


def _evidence(peer_id: str, record: Any) -> dict[str, Any]:
    """One answer as signed, trimmed so that a peer cannot make this node keep megabytes of it."""
    record = record if isinstance(record, dict) else {}
    kept = {"from": peer_id, "answer": {"descriptor": record.get("descriptor"),
                                        "endorsements": (record.get("endorsements") or [])[:MAX_EVIDENCE_ENDORSEMENTS]}}
    if len(json.dumps(kept, ensure_ascii=False)) > MAX_EVIDENCE_CHARS:
        return {"from": peer_id, "answer": None, "note": f"over {MAX_EVIDENCE_CHARS} characters: not kept"}
    return kept


def _record(session: Session, node_id: str, kind: AlertKind, keys: set[str], claims: list[dict[str, Any]],
            evidence: list[dict[str, Any]], reported_by: str) -> TrustAlert:
    alert = session.scalar(select(TrustAlert).where(TrustAlert.node == node_id, TrustAlert.kind == kind,
                                                    TrustAlert.reported_by == reported_by))
    if alert is not None:  # the first evidence is kept; later sightings are counted
        alert.keys = sorted(set(alert.keys) | keys)[:MAX_KEYS_KEPT]
        alert.seen, alert.last_seen_at = alert.seen + 1, utcnow()
        return alert
    alert = TrustAlert(node=node_id, kind=kind, keys=sorted(keys)[:MAX_KEYS_KEPT], claims=claims[:MAX_KEYS_KEPT * 2],
                       evidence=json.dumps(evidence, ensure_ascii=False), reported_by=reported_by, seen=1)
    session.add(alert)
    session.flush()
    return alert


def recent_alerts(session: Session, limit: int = 20) -> list[TrustAlert]:
    """The latest alerts, newest sighting first."""
    return list(session.scalars(select(TrustAlert).order_by(TrustAlert.last_seen_at.desc()).limit(limit)))
