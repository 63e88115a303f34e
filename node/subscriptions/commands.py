"""`vidensnet feed ...`: subscribing the node to external Atom/RSS feeds from the command line.

Unlike the admin page, `subscribe` and `refresh` fetch in the foreground: a command is no web request,
and the administrator wants to see the result.
"""

from __future__ import annotations

import click

from node.audit.log import COMMAND_LINE, record_admin_act
from node.audit.models import AuditAct
from node.subscriptions.service import (
    STATE_LABELS,
    SubscriptionError,
    refresh_subscription,
    subscribe,
    subscription_ids,
    subscription_summaries,
    unsubscribe,
)


@click.group()
def feed() -> None:
    """Manage the external feeds this node publishes as guidance."""


@feed.command("subscribe")
@click.argument("url")
@click.option("--no-review", is_flag=True, help="Publish new entries at once instead of holding them for review.")
@click.pass_obj
def feed_subscribe(obj, url: str, no_review: bool) -> None:
    """Subscribe to the Atom/RSS feed at URL and fetch it once now."""
    sessions, limits = obj.sessions(), obj.config().feeds
    try:
        with sessions.begin() as session:
            subscription_id = subscribe(session, url, hold_for_review=not no_review, limits=limits).id
            record_admin_act(session, COMMAND_LINE, AuditAct.FEED_SUBSCRIBED, url)
    except SubscriptionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Abonnement {subscription_id} oprettet"
               + (". Nye indslag udgives straks." if no_review else "; nye indslag holdes til gennemsyn."))
    report = refresh_subscription(sessions, obj.acting(), subscription_id, limits)
    click.echo(str(report), err=bool(report.error))


@feed.command("list")
@click.pass_obj
def feed_list(obj) -> None:
    """Show the subscriptions with their state, source, last check, items, entries held and errors."""
    with obj.sessions()() as session:
        rows = subscription_summaries(session, obj.config().node.id)
    if not rows:
        click.echo("Ingen abonnementer.")
    for row in rows:
        s = row["subscription"]
        checked = s.last_checked_at.isoformat(timespec="seconds") if s.last_checked_at else "aldrig"
        review = f"til gennemsyn: {row['held']}" if s.hold_for_review else "udgives straks"
        click.echo(f"{s.id:>3} {STATE_LABELS[s.state].lower():<18} {s.url}  kilde: {s.title or '—'}  "
                   f"tjekket: {checked}  emner: {row['items']}  {review}  sprunget over: {len(s.skipped)}"
                   + (f"  over grænsen: {s.entries_over_limit}" if s.entries_over_limit else "")
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
            report = refresh_subscription(sessions, obj.acting(), one, obj.config().feeds)
        except SubscriptionError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(str(report))


@feed.command("unsubscribe")
@click.argument("subscription_id", type=int)
@click.pass_obj
def feed_unsubscribe(obj, subscription_id: int) -> None:
    """Stop following a feed; the items it brought stay published until retracted, entries held for review go."""
    try:
        with obj.sessions().begin() as session:
            url = unsubscribe(session, subscription_id).url
            record_admin_act(session, COMMAND_LINE, AuditAct.FEED_UNSUBSCRIBED, url)
    except SubscriptionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Afmeldt {url}; emnerne fra feedet er stadig udgivet.")
