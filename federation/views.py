"""The federation's HTTP endpoints: the node descriptor, peering, the changes feed, bodies, keys, notify."""

from __future__ import annotations

import json
import threading
import time
from functools import wraps

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from sqlalchemy import select

from federation.alerts import record_false_facts
from federation.changes import changes_since, envelope_texts_for
from federation.epoch import IssuedMark, feed_epoch
from federation.identity import public_key_text
from federation.local import current_local_node
from federation.models import KnownNode, Peer
from federation.peering import PULLED_STATES, FactsChanged, PeeringError, record_peer
from federation.rotation import apply_rotations, own_rotations
from federation.tokens import SeenTokens, TokenError, check_binding, unverified_issuer, verify_token
from federation.trust import (
    DESCRIPTOR_MAX_AGE,
    Descriptor,
    TrustError,
    check_descriptor,
    endorse,
    own_descriptor,
    stored_endorsements,
)
from node.core.models import utcnow
from node.web.errors import json_error
from node.web.request import csrf, db, json_body, node_config

bp = Blueprint("federation", __name__)
csrf.exempt(bp)  # node-to-node calls carry a signed JWT, never a cookie
# The key a token from an unknown caller is checked against: a fresh one whose private half is dropped at once.
STRANGERS_KEY = public_key_text(Ed25519PrivateKey.generate())
# Tokens accepted in this process within their lifetime: a captured token cannot be replayed.
SEEN_TOKENS = SeenTokens()
# Peering requests need no approval to be made, so each source address may make only a few.
PEERING_REQUESTS_PER_ADDRESS, PEERING_WINDOW_SECONDS = 10, 600


class PeeringRequestRate:
    """When each source address last asked to peer, within the window; one per app (and process)."""

    def __init__(self):
        self._times: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def exceeded(self, address: str) -> bool:
        """Record a request from `address`; True when it already made the most the window allows."""
        now = time.monotonic()
        with self._lock:
            if len(self._times) > 10_000:  # forget addresses whose window is over
                self._times = {a: t for a, t in self._times.items() if t[-1] > now - PEERING_WINDOW_SECONDS}
            recent = [t for t in self._times.get(address, []) if t > now - PEERING_WINDOW_SECONDS]
            self._times[address] = recent + [now]
            return len(recent) >= PEERING_REQUESTS_PER_ADDRESS

def _json_object() -> dict:
    body = json_body()
    if not isinstance(body, dict):
        abort(400, description="forventede et JSON-objekt")
    return body


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        abort(401, description="kræver et signeret JWT: Authorization: Bearer <token>")
    return token.strip()


def _accept(claims: dict) -> None:
    # Bound to this request (when the caller bound it) and not seen before.
    check_binding(claims, request.method, request.path)
    SEEN_TOKENS.first_use(claims)


def from_approved_peer(view):
    """Allow the view only to an approved peer whose JWT verifies with its key."""

    @wraps(view)
    def guarded(*args, **kwargs):
        token = _bearer()
        try:
            peer = db().get(Peer, unverified_issuer(token))
            # A caller we do not know is checked against a key nobody holds: it is refused exactly as a known
            # caller with a wrong signature is, so that a stranger cannot probe who our peers are.
            claims = verify_token(token, peer.public_key if peer else STRANGERS_KEY, current_local_node().id)
            if peer.state not in PULLED_STATES:  # only a caller that proved its key learns its state here
                abort(403, description="kun godkendte peers har adgang")
            _accept(claims)
        except TokenError as exc:
            abort(401, description=str(exc))
        g.peer = peer
        return view(*args, **kwargs)

    return guarded


@bp.get("/.well-known/vidensnet")
def descriptor():
    """This node's descriptor, signed by its key."""
    local = current_local_node()
    return jsonify(own_descriptor(local.settings, local.key))


@bp.post("/federation/v1/peering")
def peering_request():
    """Another node asks to peer: its descriptor and a JWT signed by the same key."""
    rate = current_app.extensions.setdefault("vidensnet.peering_rate", PeeringRequestRate())
    if rate.exceeded(request.remote_addr or ""):
        return json_error(429, f"højst {PEERING_REQUESTS_PER_ADDRESS} peeringanmodninger pr. "
                               f"{PEERING_WINDOW_SECONDS // 60} minutter fra samme adresse")
    body = _json_object()
    try:
        descriptor = check_descriptor(body.get("descriptor"), DESCRIPTOR_MAX_AGE)  # its own: signed just now
        _accept(verify_token(_bearer(), descriptor.payload["public_key"], current_local_node().id))
        if unverified_issuer(_bearer()) != descriptor.id:
            raise TokenError("token issuer is not the descriptor's node")
        if descriptor.id == current_local_node().id:
            # Approved by mistake, an impostor with our id would be served every item of every audience.
            raise PeeringError("en peeringanmodning med denne nodes eget id afvises")
        peer = record_peer(db(), descriptor)
    except FactsChanged as exc:
        # Signed by the approved peer's own key: evidence that it claims to be something it was not approved as.
        db().rollback()
        record_false_facts(db(), exc.peer_id, exc.approved, descriptor.envelope)
        db().commit()
        return json_error(400, str(exc))
    except (TrustError, TokenError, PeeringError) as exc:
        return json_error(400, str(exc))
    db().commit()
    return {"id": peer.id, "state": peer.state}, 202


@bp.get("/federation/v1/changes")
@from_approved_peer
def changes():
    """The feed after `since`, only what the calling peer may hold."""
    try:
        since, limit = int(request.args.get("since", 0)), int(request.args.get("limit", 200))
    except ValueError:
        return json_error(400, "since og limit skal være hele tal")
    if since < 0:
        return json_error(400, "since må ikke være negativ")
    page, next_cursor, more = changes_since(db(), since, limit, g.peer.view)
    mark = _issued_mark()
    mark.note(next_cursor)  # before the answer leaves: a restored copy of the database is then noticed (§9)
    return {"changes": [c.to_json() for c in page], "next": next_cursor, "more": more, "epoch": mark.epoch}


def _issued_mark() -> IssuedMark:
    """The feed epoch and the highest cursor issued in it, read once per app (the epoch changes only at start)."""
    mark = current_app.extensions.get("vidensnet.issued_mark")
    if mark is None:
        epoch = feed_epoch(db())
        db().commit()  # a database made without the migration gets its epoch now
        mark = current_app.extensions.setdefault("vidensnet.issued_mark", IssuedMark(node_config().home, epoch))
    return mark


@bp.post("/federation/v1/envelopes")
@from_approved_peer
def envelopes():
    """The stored signed envelopes of the asked ids that the calling peer may hold."""
    ids = _json_object().get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return json_error(400, "ids skal være en liste af tekster")
    # Stored envelopes are compact JSON already; joining them avoids parsing and re-encoding each one.
    texts = envelope_texts_for(db(), ids, g.peer.view)
    return Response('{"envelopes":[' + ",".join(texts) + "]}", mimetype="application/json")


@bp.get("/federation/v1/nodes/<node_id>")
@from_approved_peer
def node(node_id: str):
    """A node's descriptor, with this node's fresh endorsement and every stored one it accepted the key on."""
    local = current_local_node()
    if node_id == local.id:
        envelope, stored = own_descriptor(local.settings, local.key), []
        rotations = own_rotations(node_config().keys_dir)
    else:
        row = db().scalar(select(KnownNode).where(KnownNode.id == node_id))
        if row is None:
            return json_error(404, f"ukendt node '{node_id}'")
        envelope, stored, rotations = json.loads(row.descriptor), stored_endorsements(row), row.rotations or []
    # The caller counts these to reach agreement (two peers, or an anchor): stale ones are already left out.
    endorsements = [endorse(Descriptor(envelope), local.id, local.key), *stored]
    return {"descriptor": envelope, "endorsements": endorsements, "rotations": rotations}


@bp.post("/federation/v1/key-rotation")
@from_approved_peer
def key_rotation():
    """An approved peer announces its new key, with rotations signed by the key we know."""
    body = _json_object()
    try:
        apply_rotations(db(), g.peer.id, body.get("rotations") or [], body.get("descriptor"))
    except TrustError as exc:
        return json_error(400, str(exc))
    db().commit()
    return {"ok": True}


@bp.post("/federation/v1/notify")
@from_approved_peer
def notify():
    """A wake-up: pull from the calling peer at the next scheduler tick."""
    g.peer.next_pull_at = utcnow()
    db().commit()
    return {"ok": True}, 202
