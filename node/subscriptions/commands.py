"""`vidensnet feed ...`: subscribing the node to external Atom/RSS feeds from the command line."""

from __future__ import annotations

import click

from node.subscriptions.service import (
    SubscriptionError,
    refresh_subscription,
    subscribe,
    subscription_ids,
    subscription_summaries,
    unsubscribe,
)

STATE_LABELS = {"active": "aktiv", "backing_off": "venter efter fejl"}


@click.group()
def feed() -> None:
    """Manage the external feeds this node publishes as guidance."""


@feed.command("subscribe")
@click.argument("url")
@click.pass_obj
def feed_subscribe(obj, url: str) -> None:
    """Subscribe to the Atom/RSS feed at URL and fetch it once now."""
    sessions = obj.sessions()
    try:
        with sessions.begin() as session:
            subscription_id = subscribe(session, url).id
    except SubscriptionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Abonnement {subscription_id} oprettet.")
    report = refresh_subscription(sessions, obj.acting(), subscription_id, obj.config().feed_refresh_seconds)
    click.echo(str(report), err=bool(report.error))


@feed.command("list")
@click.pass_obj
def feed_list(obj) -> None:
    """Show the subscriptions with their state, source, last check, items and errors."""
    with obj.sessions()() as session:
        rows = subscription_summaries(session, obj.config().node.id)
    if not rows:
        click.echo("Ingen abonnementer.")
    for row in rows:
        s = row["subscription"]
        checked = s.last_checked_at.isoformat(timespec="seconds") if s.last_checked_at else "aldrig"
        click.echo(f"{s.id:>3} {STATE_LABELS[s.state]:<18} {s.url}  kilde: {s.title or '—'}  "
                   f"tjekket: {checked}  emner: {row['items']}  sprunget over: {len(s.skipped)}"
                   + (f"  fejl: {s.last_error}" if s.last_error else ""))


@feed.command("refresh")
@click.argument("subscription_id", type=int, required=False)
@click.pass_obj
def feed_refresh(obj, subscription_id: int | None) -> None:
    """Fetch every subscribed feed now (or only SUBSCRIPTION_ID)."""
    sessions = obj.sessions()
    with sessions() as session:
        ids = [subscription_id] if subscription_id else subscription_ids(session)
    for one in ids:
        try:
            report = refresh_subscription(sessions, obj.acting(), one, obj.config().feed_refresh_seconds)
        except SubscriptionError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(str(report))


@feed.command("unsubscribe")
@click.argument("subscription_id", type=int)
@click.pass_obj
def feed_unsubscribe(obj, subscription_id: int) -> None:
    """Stop following a feed; the items it brought stay published until retracted."""
    try:
        with obj.sessions().begin() as session:
            url = unsubscribe(session, subscription_id).url
    except SubscriptionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Afmeldt {url}; emnerne fra feedet er stadig udgivet.")
