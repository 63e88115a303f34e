"""`vidensnet peer ...` and `vidensnet sync`: the federation's command line."""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from federation.client import PeerClient, PeerUnavailable
from federation.identity import load_node_key, public_key_text
from federation.models import Peer
from federation.peering import (
    PeeringError,
    add_peer,
    approve_peer,
    approved_peers,
    change_peer,
    remove_peer,
    set_introducer,
    wake_peer,
)
from federation.plan_endorsements import EndorsementError, endorse_plan
from federation.revocation import KeyRefused, resign_own_envelopes, revoke_own_key
from federation.rotation import own_rotations, rotate_node_key
from federation.scheduling import FederationCycle, pull_and_record
from federation.trust import own_descriptor
from federation.wire import moment
from node.audit.log import COMMAND_LINE, record_admin_act
from node.audit.models import AuditAct
from node.core.models import Item
from node.items.schema import format_datetime


@click.group()
def peer() -> None:
    """Manage this node's peers."""


@peer.command("add")
@click.argument("url")
@click.pass_obj
def peer_add(obj, url: str) -> None:
    """Fetch and check the node at URL, record it as pending and tell it about this node."""
    local = obj.process().local
    try:
        found = add_peer(obj.sessions(), local, url)
    except PeeringError as exc:
        raise click.ClickException(str(exc)) from None
    with obj.sessions().begin() as session:  # add_peer calls the other node outside any transaction
        _record(session, AuditAct.PEER_ADDED, found.id, f"{found.name} ({found.id}) er tilføjet som afventende peer")
    click.echo(f"{found.id} ({found.name}) registreret som {found.state}")
    if found.warning:
        click.echo(f"Bemærk: {found.warning}", err=True)


@peer.command("approve")
@click.argument("peer_id")
@click.option("--introducer", is_flag=True, default=None,
              help="Its endorsement alone introduces other nodes' keys (e.g. this municipality's police district).")
@click.pass_obj
def peer_approve(obj, peer_id: str, introducer: bool | None) -> None:
    """Approve a pending peer: it may pull from this node, and this node pulls from it."""
    try:
        with obj.sessions().begin() as session:
            approved = approve_peer(session, peer_id, obj.process().local.trust_anchors, introducer)
            state, url = approved.state, approved.url
            _record(session, AuditAct.PEER_APPROVED, peer_id, f"{approved.name} ({peer_id}) er godkendt"
                    + (" som anbefaler" if approved.introducer else ""))
    except PeeringError as exc:
        raise click.ClickException(str(exc)) from None
    wake_peer(obj.process().local, url, peer_id)
    click.echo(f"{peer_id}: {state}")


def _record(session, act: AuditAct, peer_id: str, description: str) -> None:
    # In the command's own transaction: the change and its record are committed together.
    record_admin_act(session, COMMAND_LINE, act, peer_id, description=description)


# The audit log's kind of act for each admin move, and what it says happened.
MOVE_ACTS = {"suspend": (AuditAct.PEER_SUSPENDED, "er sat på pause"),
             "resume": (AuditAct.PEER_RESUMED, "er genoptaget"), "block": (AuditAct.PEER_BLOCKED, "er blokeret")}


def _admin_move(action: str, help_text: str) -> None:
    """Register `vidensnet peer <action> ID`, which moves the peer as ADMIN_MOVES says."""

    @peer.command(action, help=help_text)
    @click.argument("peer_id")
    @click.pass_obj
    def command(obj, peer_id: str) -> None:
        try:
            with obj.sessions().begin() as session:
                moved = change_peer(session, peer_id, action, obj.process().local.sinks)
                state = moved.state
                act, done = MOVE_ACTS[action]
                _record(session, act, peer_id, f"{moved.name} ({peer_id}) {done}")
        except PeeringError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{peer_id}: {state}")


_admin_move("suspend", "Pause a peer: no pulls either way until it is resumed.")
_admin_move("resume", "Resume a suspended peer.")
_admin_move("block", "Block a peer: its calls and peering requests are refused until it is removed.")


@peer.command("introducer")
@click.argument("peer_id")
@click.option("--off", is_flag=True, help="Its endorsements count only together with another peer's again.")
@click.pass_obj
def peer_introducer(obj, peer_id: str, off: bool) -> None:
    """Let a peer's endorsement alone introduce other nodes' keys, as a trust anchor's does."""
    try:
        with obj.sessions().begin() as session:
            changed = set_introducer(session, peer_id, not off)
            _record(session, AuditAct.INTRODUCER_UNSET if off else AuditAct.INTRODUCER_SET, peer_id,
                    f"{changed.name} ({peer_id}) " + ("anbefaler ikke længere nøgler alene" if off
                                                      else "anbefaler nu nøgler alene"))
    except PeeringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{peer_id}: {'anbefaler ikke nøgler alene' if off else 'anbefaler nøgler alene'}")


@peer.command("remove")
@click.argument("peer_id")
@click.pass_obj
def peer_remove(obj, peer_id: str) -> None:
    """Forget a peer (also a pending request); the items it brought stay."""
    try:
        with obj.sessions().begin() as session:
            removed = session.get(Peer, peer_id)
            remove_peer(session, peer_id)
            _record(session, AuditAct.PEER_REMOVED, peer_id, f"{removed.name} ({peer_id}) er fjernet")
    except PeeringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{peer_id}: fjernet")


@peer.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def peer_list(obj, as_json: bool) -> None:
    """Show peers with their state and sync health."""
    with obj.sessions()() as session:
        rows = [peer_summary(p) for p in session.scalars(select(Peer).order_by(Peer.id))]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        health = r["last_error"] or f"senest hentet {r['last_success_at'] or 'aldrig'}"
        click.echo(f"{r['id']:<32} {r['status']:<12} {r['url']:<40} {health}")


def peer_summary(p: Peer) -> dict:
    """A peer as JSON for `peer list --json` and the admin page."""
    when = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"id": p.id, "name": p.name, "url": p.url, "kind": p.kind, "status": p.state, "cursor": p.cursor,
            "failures": p.failures, "received": p.received_total, "last_success_at": when(p.last_success_at),
            "next_pull_at": when(p.next_pull_at), "last_error": p.last_error, "introducer": p.introducer}


@click.command()
@click.pass_obj
def sync(obj) -> None:
    """Pull every approved peer once, now, and print what came."""
    process = obj.process()
    sessions = process.sessions
    cycle = FederationCycle(sessions, process.local, process.config.pull_interval_seconds)
    with sessions() as session:
        peer_ids = [p.id for p in approved_peers(session)]
    if not peer_ids:
        click.echo("Ingen godkendte peers.")
    for peer_id in peer_ids:
        click.echo(pull_and_record(cycle, peer_id, progress=_progress_line(peer_id)))


def _progress_line(peer_id: str):
    """Progress of a long pull on stderr, one line per stored page."""
    def show(report) -> None:
        click.echo(f"  {peer_id}: {sum(report.values())} behandlet indtil videre …", err=True)
    return show


@click.group()
def key() -> None:
    """Manage this node's signing key."""


@key.command("rotate")
@click.pass_obj
def key_rotate(obj) -> None:
    """Replace the node key; peers learn the new one from a statement signed by the old key.

    Stop the node first and start it again afterwards: a running node signs with the key it loaded.
    """
    config = obj.config()
    old, new, _statement = rotate_node_key(config.keys_dir, config.node.id)
    rotations, descriptor = own_rotations(config.keys_dir), own_descriptor(config.node, new)
    # What the old key signed keeps reaching nodes that learn it after the grace window (§15).
    with obj.sessions().begin() as session:
        resigned = resign_own_envelopes(session, config.node.id, new)
        peers = [(p.id, p.url) for p in approved_peers(session)]
        record_admin_act(session, COMMAND_LINE, AuditAct.KEY_ROTATED, public_key_text(new),
                         description=f"Nodens nøgle er skiftet til {public_key_text(new)}")
    click.echo(f"Ny nøgle: {public_key_text(new)} (den gamle er arkiveret i {config.keys_dir})")
    click.echo(f"{resigned} egne konvolutter er signeret igen med den nye nøgle")
    for peer_id, url in peers:
        try:
            PeerClient(url, peer_id, config.node.id, old).announce_rotation(rotations, descriptor)
            click.echo(f"  {peer_id}: kender nu den nye nøgle")
        except PeerUnavailable as exc:
            click.echo(f"  {peer_id}: ikke nået ({exc}); lærer nøglen ved næste hentning", err=True)


@key.command("revoke")
@click.option("--key", "revoked", help="The earlier public key to revoke (default: the last one replaced).")
@click.option("--since", help="ISO 8601 time from which the key is compromised (default: when it was replaced).")
@click.pass_obj
def key_revoke(obj, revoked: str | None, since: str | None) -> None:
    """Revoke an earlier key of this node: nothing it signed from --since on is accepted anywhere.

    The revocation is signed with the current key and spreads through the changes feed to every node.
    """
    config = obj.config()
    revoked, moment_since = _revocation_target(config.keys_dir, revoked, since)
    current = load_node_key(config.keys_dir)
    try:
        with obj.sessions().begin() as session:
            revoke_own_key(session, config.node.id, current, revoked, moment_since)
            resigned = resign_own_envelopes(session, config.node.id, current)
            record_admin_act(session, COMMAND_LINE, AuditAct.KEY_REVOKED, revoked, description=(
                f"Den tidligere nøgle {revoked} er spærret fra {format_datetime(moment_since)}"))
    except KeyRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Nøglen {revoked} er spærret fra {format_datetime(moment_since)}; "
               f"spærringen når alle noder gennem ændringsfeedet")
    if resigned:
        click.echo(f"{resigned} egne konvolutter er signeret igen med den nuværende nøgle")


def _revocation_target(keys_dir, revoked: str | None, since: str | None):
    """The earlier key to revoke and the moment from which, checked against this node's own rotations."""
    replaced = {r["payload"]["old_key"]: r["payload"]["at"] for r in own_rotations(keys_dir)}
    if not replaced:
        raise click.ClickException("noden har aldrig skiftet nøgle; skift først (vidensnet key rotate)")
    revoked = revoked or list(replaced)[-1]
    if revoked not in replaced:
        raise click.ClickException("--key: ikke en tidligere nøgle for denne node")
    try:
        return revoked, moment(since or replaced[revoked])
    except ValueError:
        raise click.ClickException(f"--since {since!r}: skal være et ISO 8601-tidspunkt med tidszone") from None


@click.group()
def plan() -> None:
    """Inter-municipal plans."""


@plan.command("endorse")
@click.argument("item_id")
@click.pass_obj
def plan_endorse(obj, item_id: str) -> None:
    """Endorse the current version of a plan as this node's municipality (the plan must list it)."""
    local = obj.process().local
    with obj.sessions().begin() as session:
        found = session.get(Item, item_id)
        if found is None:
            raise click.ClickException(f"intet emne med id '{item_id}'")
        try:
            new = endorse_plan(session, found, local)
        except EndorsementError as exc:
            raise click.ClickException(str(exc)) from None
        version = found.version
    click.echo(f"{item_id}: {'tilsluttet' if new else 'allerede tilsluttet'} version {version}")


def register_federation_commands(main: click.Group) -> None:
    """Add the federation's commands to the `vidensnet` group."""
    main.add_command(peer)
    main.add_command(plan)
    main.add_command(sync)
    main.add_command(key)
