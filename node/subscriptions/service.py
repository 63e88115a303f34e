"""Subscriptions to external Atom/RSS feeds: subscribe, queue a refresh, refresh; the scheduler calls `run_cycle`.

Subscribing and "Opdatér nu" only record what is wanted (the subscription is
queued); the scheduler's `run_cycle` does the fetching, outside any web request.
A refresh claims the subscription (fetching, with a lease), fetches outside any
transaction, then stores every entry and the subscription's new validators in
one transaction, so a crash never records an ETag whose entries were not stored.
Each entry goes through `validate_item` (the anonymisation guard included); a
subscription that holds entries for review keeps them aside (node/subscriptions/
review.py), otherwise they are published through the publishing service like any
import. An entry that fails is skipped and recorded by position, field and kind only.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import feedparser
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from node.core.backoff import retry_delay
from node.core.config import FeedLimits
from node.core.models import (
    SUBSCRIPTION_TRANSITIONS,
    FeedSubscription,
    HeldFeedEntry,
    Item,
    ItemStatus,
    SubscriptionState,
    utcnow,
)
from node.core.translation import gettext as _
from node.items.publishing import ActingNode, import_refusal, publish_imported
from node.items.schema import ItemInvalid, validate_item
from node.subscriptions.addresses import static_refusal
from node.subscriptions.entries import entry_item, plain_text, subscription_prefix
from node.subscriptions.fetching import REFUSED, FeedUnavailable, FetchedFeed, fetch_feed
from node.subscriptions.review import forget_held, held_count, hold_entry, was_rejected

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
# How long past its deadline a claimed fetch may take to store its entries before another may claim it.
LEASE_MARGIN_SECONDS = 300
_URL = re.compile(r"https?://[^\s<>\"'/]+(/[^\s<>\"']*)?")
# Danish words for the outcomes of one refresh, in the order they are reported.
OUTCOME_LABELS = {"created": "oprettet", "updated": "opdateret", "unchanged": "uændret",
                  "held": "holdt til gennemsyn", "still_held": "venter allerede på gennemsyn",
                  "rejected": "afvist af en udgiver", "skipped": "sprunget over",
                  "duplicate": "dublet(ter) i feedet", "retracted": "trukket tilbage her",
                  "over_limit": "ikke læst (over grænsen for indslag pr. hentning)"}
# The states as the admin page and `feed list` show them.
STATE_LABELS = {SubscriptionState.QUEUED: "Venter på hentning", SubscriptionState.FETCHING: "Henter nu",
                SubscriptionState.ACTIVE: "Aktiv", SubscriptionState.BACKING_OFF: "Venter efter fejl"}


class SubscriptionError(ValueError):
    """A subscription request that cannot be done, with a message naming the field (Danish outside a web request)."""


@dataclass
class RefreshReport:
    """What one refresh did: not modified, an error, or counts per outcome."""

    url: str
    not_modified: bool = False
    error: str | None = None
    counts: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        if self.error:
            return f"{self.url}: fejl: {self.error}"
        if self.not_modified:
            return f"{self.url}: uændret siden sidst (304)"
        parts = [f"{self.counts[key]} {label}" for key, label in OUTCOME_LABELS.items() if self.counts[key]]
        return f"{self.url}: {', '.join(parts) or 'ingen indslag'}"


def subscribe(session: Session, url: str, hold_for_review: bool = True, limits: FeedLimits = FeedLimits()
              ) -> FeedSubscription:
    """Record a new subscription, queued for its first fetch; an internal address is refused at once."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        parts = None
    if parts is None or not _URL.fullmatch(url) or len(url) > 500 or not parts.hostname:
        raise SubscriptionError(_("url: skal være en http(s)-adresse på et Atom- eller RSS-feed, fx https://dkr.dk/feed"))
    # Only what needs no DNS is checked here (no network call in a request); every fetch checks each hop again.
    if static_refusal(parts.hostname, port, limits.allowed_hosts):
        raise SubscriptionError(_("url: %(reason)s", reason=_(REFUSED)))
    if session.scalar(select(FeedSubscription).where(FeedSubscription.url == url)) is not None:
        raise SubscriptionError(_("url: noden abonnerer allerede på %(url)s", url=url))
    subscription = FeedSubscription(url=url, state=SubscriptionState.QUEUED, next_check_at=utcnow(), failures=0,
                                    entries_seen=0, skipped=[], entries_over_limit=0, hold_for_review=hold_for_review)
    session.add(subscription)
    session.flush()
    return subscription


def request_refresh(session: Session, subscription_id: int) -> FeedSubscription:
    """Queue a subscription for the scheduler to fetch now ("Opdatér nu"); one being fetched is left as it is."""
    subscription = find_subscription(session, subscription_id)
    if subscription.state in (SubscriptionState.ACTIVE, SubscriptionState.BACKING_OFF):
        SUBSCRIPTION_TRANSITIONS.move(subscription, SubscriptionState.QUEUED)
        subscription.next_check_at = utcnow()
    return subscription


def set_review(session: Session, subscription_id: int, hold_for_review: bool) -> FeedSubscription:
    """Turn holding new entries for review on or off; entries already held stay held until reviewed."""
    subscription = find_subscription(session, subscription_id)
    subscription.hold_for_review = hold_for_review
    return subscription


def unsubscribe(session: Session, subscription_id: int) -> FeedSubscription:
    """Stop following a feed; the items it brought stay published until someone retracts them, held entries go."""
    subscription = find_subscription(session, subscription_id)
    session.execute(delete(HeldFeedEntry).where(HeldFeedEntry.subscription_id == subscription_id))
    session.delete(subscription)
    return subscription


def find_subscription(session: Session, subscription_id: int) -> FeedSubscription:
    """The subscription with this id; raises SubscriptionError when there is none."""
    subscription = session.get(FeedSubscription, subscription_id)
    if subscription is None:
        raise SubscriptionError(_("id: intet abonnement med id %(id)s", id=subscription_id))
    return subscription


def run_cycle(sessions: sessionmaker[Session], by: ActingNode, limits: FeedLimits) -> int:
    """Fetch every subscription that is due (queued, its next check come, or its fetch's lease run out)."""
    with sessions() as session:
        now = utcnow()
        due = session.scalars(select(FeedSubscription.id).where(
            (FeedSubscription.next_check_at.is_(None)) | (FeedSubscription.next_check_at <= now))).all()
    fetched = 0
    for subscription_id in due:
        try:
            report = refresh_subscription(sessions, by, subscription_id, limits, only_if_due=True)
        except SubscriptionError:
            continue  # unsubscribed since the query above
        if report is None:
            continue  # another process claimed it first
        fetched += 1
        if report.error:
            log.warning("feed refresh failed: %s", report)
        elif not report.not_modified:
            log.info("feed refreshed: %s", report)
    return fetched


def refresh_subscription(sessions: sessionmaker[Session], by: ActingNode, subscription_id: int,
                         limits: FeedLimits, only_if_due: bool = False) -> RefreshReport | None:
    """Fetch one feed now (conditionally) and take in its new and changed entries; failures back off.

    With `only_if_due`, returns None without fetching when the subscription is not due (any more).
    """
    claimed = _claim(sessions, subscription_id, limits, only_if_due)
    if claimed is None:
        return None
    url, etag, last_modified = claimed
    report = RefreshReport(url)
    try:
        fetched = fetch_feed(url, etag, last_modified, limits)
        _store(sessions, by, subscription_id, fetched, limits, report)
    except (FeedUnavailable, SubscriptionError) as exc:
        report.error = str(exc)
    except Exception:  # noqa: BLE001 - one broken feed must not stop the others; it backs off
        log.exception("refreshing feed %s failed unexpectedly", url)
        report.error = "uventet fejl under indlæsningen (se nodens log)"
    if report.error:
        _record_failure(sessions, subscription_id, report.error)
    return report


def _store(sessions: sessionmaker[Session], by: ActingNode, subscription_id: int, fetched: FetchedFeed | None,
           limits: FeedLimits, report: RefreshReport) -> None:
    """In one transaction: the fetched entries, the new validators and the subscription's success."""
    parsed = None if fetched is None else parse_feed(fetched, report.url)
    with sessions.begin() as session:
        subscription = find_subscription(session, subscription_id)
        if fetched is None:
            report.not_modified = True
        else:
            report.counts = ingest_entries(session, by, subscription, parsed, limits.max_entries)
            subscription.etag, subscription.last_modified = fetched.etag, fetched.last_modified
            subscription.last_changed_at = utcnow()
        _succeeded(subscription, utcnow(), limits.refresh_seconds)


def _claim(sessions: sessionmaker[Session], subscription_id: int, limits: FeedLimits,
           only_if_due: bool) -> tuple[str, str | None, str | None] | None:
    """Mark the subscription as being fetched, with a lease; its URL and validators, or None when not due."""
    with sessions.begin() as session:
        subscription = find_subscription(session, subscription_id)
        now = utcnow()
        if only_if_due and subscription.next_check_at is not None and subscription.next_check_at > now:
            return None
        SUBSCRIPTION_TRANSITIONS.move(subscription, SubscriptionState.FETCHING)
        # A fetch that outlives this (the process died) is due again, and the scheduler takes it up.
        subscription.next_check_at = now + timedelta(seconds=limits.deadline_seconds + LEASE_MARGIN_SECONDS)
        return subscription.url, subscription.etag, subscription.last_modified


def parse_feed(fetched: FetchedFeed, url: str) -> feedparser.FeedParserDict:
    """The parsed feed (relative links resolved against its URL); FeedUnavailable when it is no Atom or RSS."""
    parsed = feedparser.parse(fetched.content, response_headers={
        "content-location": url, "content-type": fetched.content_type or "application/xml"})
    if not parsed.get("version"):
        raise FeedUnavailable("svaret er ikke et gyldigt Atom- eller RSS-feed")
    return parsed


def ingest_entries(session: Session, by: ActingNode, subscription: FeedSubscription,
                   parsed: feedparser.FeedParserDict, max_entries: int = FeedLimits.max_entries) -> Counter:
    """Take in the first `max_entries` entries: held for review or published; invalid ones skipped without values."""
    source = plain_text(parsed.feed.get("title", ""))[:200] or urlsplit(subscription.url).netloc
    subscription.title = source
    counts, seen, skipped = Counter(), set(), []
    entries = parsed.entries[:max_entries]
    for position, entry in enumerate(entries, start=1):
        data = entry_item(subscription.url, source, entry)
        if data["id"] in seen:
            counts["duplicate"] += 1
            continue
        seen.add(data["id"])
        try:
            content = validate_item(data, node_id=by.node_id)
        except ItemInvalid as exc:
            skipped.append({"entry": position, "id": data["id"], "errors": _without_values(exc.errors)})
            counts["skipped"] += 1
            continue
        counts[_take_in(session, by, subscription, data, content)] += 1
    if len(parsed.entries) > len(entries):
        counts["over_limit"] = len(parsed.entries) - len(entries)
    subscription.entries_seen, subscription.skipped = len(parsed.entries), skipped
    subscription.entries_over_limit = counts["over_limit"]
    for record in skipped:
        log.warning("feed %s: entry %d skipped: %s", subscription.url, record["entry"], record["errors"])
    return counts


def _take_in(session: Session, by: ActingNode, subscription: FeedSubscription, data: dict, content) -> str:
    """One valid entry: left retracted, held for review, left refused, or published; the outcome's name."""
    if import_refusal(session, content):
        return "retracted"  # an editor retracted it here; the feed does not bring it back
    if subscription.hold_for_review:
        return hold_entry(session, subscription.id, data, content)
    if was_rejected(session, content):
        return "rejected"  # a publisher refused this content while review was on; that decision stands
    forget_held(session, content.id)
    return str(publish_imported(session, by, content))


def subscription_items(session: Session, subscription: FeedSubscription, node_id: str) -> int:
    """How many published items this node holds from the subscription's feed."""
    prefix = f"{node_id}:{subscription_prefix(subscription.url)}"
    return session.scalar(select(func.count()).select_from(Item).where(
        Item.id.startswith(prefix, autoescape=True), Item.status == ItemStatus.PUBLISHED)) or 0


def subscription_ids(session: Session) -> list[int]:
    """The ids of every subscription, oldest first."""
    return list(session.scalars(select(FeedSubscription.id).order_by(FeedSubscription.id)))


def subscription_summaries(session: Session, node_id: str) -> list[dict]:
    """Every subscription with its state in Danish, its item count and how many entries wait for review."""
    subscriptions = session.scalars(select(FeedSubscription).order_by(FeedSubscription.id)).all()
    return [{"subscription": s, "state": STATE_LABELS[s.state], "items": subscription_items(session, s, node_id),
             "held": held_count(session, s.id)} for s in subscriptions]


def _without_values(errors: dict[str, str]) -> dict[str, str]:
    # The guard's messages name kinds only; other messages may quote what was refused, so quotes are blanked.
    return {name: re.sub(r"'[^']*'", "'…'", message) for name, message in errors.items()}


def _succeeded(subscription: FeedSubscription, now: datetime, interval_seconds: int) -> None:
    SUBSCRIPTION_TRANSITIONS.move(subscription, SubscriptionState.ACTIVE)
    subscription.failures, subscription.last_error = 0, None
    subscription.last_checked_at = now
    subscription.next_check_at = now + timedelta(seconds=interval_seconds)


def _record_failure(sessions: sessionmaker[Session], subscription_id: int, error: str) -> None:
    """Back off exponentially with jitter, so a dead source costs little and is retried less often."""
    with sessions.begin() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        if subscription is None:
            return
        now = utcnow()
        SUBSCRIPTION_TRANSITIONS.move(subscription, SubscriptionState.BACKING_OFF)
        subscription.failures += 1
        subscription.last_checked_at = now
        subscription.last_error = error[:500]
        subscription.next_check_at = now + retry_delay(subscription.failures, BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS)
