"""Subscriptions to external Atom/RSS feeds: subscribe, refresh, unsubscribe; the scheduler calls `run_cycle`.

A refresh fetches outside any transaction, then stores every entry and the
subscription's new validators in one transaction, so a crash never records an
ETag whose entries were not stored. Each entry goes through `validate_item`
(the anonymisation guard included) and the publishing service like any import;
an entry that fails is skipped and recorded by position, field and kind only.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import feedparser
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from node.core.backoff import retry_delay
from node.core.models import SUBSCRIPTION_TRANSITIONS, FeedSubscription, Item, ItemStatus, SubscriptionState, utcnow
from node.items.publishing import ActingNode, import_refusal, publish_imported
from node.items.schema import ItemInvalid, validate_item
from node.subscriptions.entries import entry_item, plain_text, subscription_prefix
from node.subscriptions.fetching import FeedUnavailable, FetchedFeed, fetch_feed

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
_URL = re.compile(r"https?://[^\s<>\"'/]+(/[^\s<>\"']*)?")
# Danish words for the outcomes of one refresh, in the order they are reported.
OUTCOME_LABELS = {"created": "oprettet", "updated": "opdateret", "unchanged": "uændret",
                  "skipped": "sprunget over", "duplicate": "dublet(ter) i feedet", "retracted": "trukket tilbage her"}


class SubscriptionError(ValueError):
    """A subscription request that cannot be done, with a Danish message naming the field."""


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


def subscribe(session: Session, url: str) -> FeedSubscription:
    """Record a new subscription, due for its first refresh now."""
    url = (url or "").strip()
    if not _URL.fullmatch(url) or len(url) > 500:
        raise SubscriptionError("url: skal være en http(s)-adresse på et Atom- eller RSS-feed, fx https://dkr.dk/feed")
    if session.scalar(select(FeedSubscription).where(FeedSubscription.url == url)) is not None:
        raise SubscriptionError(f"url: noden abonnerer allerede på {url}")
    subscription = FeedSubscription(url=url, state=SubscriptionState.ACTIVE, next_check_at=utcnow(),
                                    failures=0, entries_seen=0, skipped=[])
    session.add(subscription)
    session.flush()
    return subscription


def unsubscribe(session: Session, subscription_id: int) -> FeedSubscription:
    """Stop following a feed; the items it brought stay published until someone retracts them."""
    subscription = find_subscription(session, subscription_id)
    session.delete(subscription)
    return subscription


def find_subscription(session: Session, subscription_id: int) -> FeedSubscription:
    """The subscription with this id; raises SubscriptionError when there is none."""
    subscription = session.get(FeedSubscription, subscription_id)
    if subscription is None:
        raise SubscriptionError(f"id: intet abonnement med id {subscription_id}")
    return subscription


def run_cycle(sessions: sessionmaker[Session], by: ActingNode, interval_seconds: int) -> int:
    """Refresh every subscription whose next check has come; returns how many were refreshed."""
    with sessions() as session:
        now = utcnow()
        due = session.scalars(select(FeedSubscription.id).where(
            (FeedSubscription.next_check_at.is_(None)) | (FeedSubscription.next_check_at <= now))).all()
    for subscription_id in due:
        try:
            report = refresh_subscription(sessions, by, subscription_id, interval_seconds)
        except SubscriptionError:
            continue  # unsubscribed since the query above
        if report.error:
            log.warning("feed refresh failed: %s", report)
        elif not report.not_modified:
            log.info("feed refreshed: %s", report)
    return len(due)


def refresh_subscription(sessions: sessionmaker[Session], by: ActingNode, subscription_id: int,
                         interval_seconds: int) -> RefreshReport:
    """Fetch one feed now (conditionally) and publish its new and changed entries; failures back off."""
    with sessions() as session:
        subscription = find_subscription(session, subscription_id)
        url, etag, last_modified = subscription.url, subscription.etag, subscription.last_modified
    report = RefreshReport(url)
    try:
        fetched = fetch_feed(url, etag, last_modified)
        parsed = None if fetched is None else parse_feed(fetched, url)
        with sessions.begin() as session:
            subscription = find_subscription(session, subscription_id)
            if fetched is None:
                report.not_modified = True
            else:
                report.counts = ingest_entries(session, by, subscription, parsed)
                subscription.etag, subscription.last_modified = fetched.etag, fetched.last_modified
                subscription.last_changed_at = utcnow()
            _succeeded(subscription, utcnow(), interval_seconds)
    except (FeedUnavailable, SubscriptionError) as exc:
        report.error = str(exc)
    except Exception:  # noqa: BLE001 - one broken feed must not stop the others; it backs off
        log.exception("refreshing feed %s failed unexpectedly", url)
        report.error = "uventet fejl under indlæsningen (se nodens log)"
    if report.error:
        _record_failure(sessions, subscription_id, report.error)
    return report


def parse_feed(fetched: FetchedFeed, url: str) -> feedparser.FeedParserDict:
    """The parsed feed (relative links resolved against its URL); FeedUnavailable when it is no Atom or RSS."""
    parsed = feedparser.parse(fetched.content, response_headers={
        "content-location": url, "content-type": fetched.content_type or "application/xml"})
    if not parsed.get("version"):
        raise FeedUnavailable("svaret er ikke et gyldigt Atom- eller RSS-feed")
    return parsed


def ingest_entries(session: Session, by: ActingNode, subscription: FeedSubscription,
                   parsed: feedparser.FeedParserDict) -> Counter:
    """Publish each entry as guidance; entries that fail validation are skipped and recorded without their values."""
    source = plain_text(parsed.feed.get("title", ""))[:200] or urlsplit(subscription.url).netloc
    subscription.title = source
    counts, seen, skipped = Counter(), set(), []
    for position, entry in enumerate(parsed.entries, start=1):
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
        if import_refusal(session, content):
            counts["retracted"] += 1  # an editor retracted it here; the feed does not bring it back
            continue
        counts[str(publish_imported(session, by, content))] += 1
    subscription.entries_seen, subscription.skipped = len(parsed.entries), skipped
    for record in skipped:
        log.warning("feed %s: entry %d skipped: %s", subscription.url, record["entry"], record["errors"])
    return counts


def subscription_items(session: Session, subscription: FeedSubscription, node_id: str) -> int:
    """How many published items this node holds from the subscription's feed."""
    prefix = f"{node_id}:{subscription_prefix(subscription.url)}"
    return session.scalar(select(func.count()).select_from(Item).where(
        Item.id.startswith(prefix, autoescape=True), Item.status == ItemStatus.PUBLISHED)) or 0


def subscription_ids(session: Session) -> list[int]:
    """The ids of every subscription, oldest first."""
    return list(session.scalars(select(FeedSubscription.id).order_by(FeedSubscription.id)))


def subscription_summaries(session: Session, node_id: str) -> list[dict]:
    """Every subscription with its state and item count, for the admin page and `feed list`."""
    subscriptions = session.scalars(select(FeedSubscription).order_by(FeedSubscription.id)).all()
    return [{"subscription": s, "items": subscription_items(session, s, node_id)} for s in subscriptions]


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
