"""`GET /metrics` in Prometheus text format: request counts and latency, and gauges read from the database.

The gauges are read at scrape time from the database, so every process of a node reports the same,
correct numbers. The request metrics are this process's own under `vidensnet run`; under `vidensnet serve`
they are summed over its web processes from prometheus_client's multiprocess directory.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from federation.models import Envelope, Peer, Rejection
from node.core.config import metrics_multiprocess_dir
from node.core.models import Item, LoginAttempt, LoginOutcome, utcnow
from node.worker.lease import read_lease
from search.models import IndexState, IndexTask

bp = Blueprint("metrics", __name__)
REGISTRY_KEY = "vidensnet.metrics"


def init_metrics(app: Flask) -> None:
    """Give the app its own registry (request metrics and the database collector) and time every request."""
    registry = CollectorRegistry()
    requests = Counter("vidensnet_http_requests", "Requests answered, by endpoint, method and status.",
                       ["endpoint", "method", "status"], registry=registry)
    latency = Histogram("vidensnet_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                        ["endpoint"], registry=registry)
    registry.register(DatabaseCollector(app.extensions["vidensnet.sessions"]))
    app.extensions[REGISTRY_KEY] = registry

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        # The endpoint, not the path, labels a request: paths carry ids and would make a series per item.
        endpoint = request.endpoint or "unmatched"
        requests.labels(endpoint, request.method, str(response.status_code)).inc()
        latency.labels(endpoint).observe(time.perf_counter() - g.get("metrics_started", time.perf_counter()))
        return response


@bp.get("/metrics")
def metrics():
    """The metrics, for an allowed address or a caller with the metrics token; 403 for anyone else."""
    if not _allowed():
        abort(403)
    return Response(generate_latest(_scrape_registry()), content_type=CONTENT_TYPE_LATEST)


def _scrape_registry() -> CollectorRegistry:
    directory = metrics_multiprocess_dir()
    if directory is None:
        return current_app.extensions[REGISTRY_KEY]
    # Every web process writes its request metrics to the directory; one scrape, answered by any of them, sums them.
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    registry.register(DatabaseCollector(current_app.extensions["vidensnet.sessions"]))
    return registry


def _allowed() -> bool:
    config = current_app.extensions["vidensnet"]
    if request.remote_addr in config.metrics_allow:
        return True
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return bool(config.metrics_token) and scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), config.metrics_token.encode())


class DatabaseCollector(Collector):
    """The node's state as gauges, read from the database at each scrape."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator:
        """Items, the search outbox, envelopes, peers and login failures as they are now."""
        with self.sessions() as session:
            yield from _items(session)
            yield from _outbox(session)
            yield from _envelopes(session)
            yield from _peers(session)
            yield from _login_failures(session)
            yield from _worker_lease(session)


def _items(session) -> Iterator:
    family = GaugeMetricFamily("vidensnet_items", "Items held, by type and state.", labels=["type", "state"])
    for item_type, state, count in session.execute(
            select(Item.type, Item.status, func.count()).group_by(Item.type, Item.status)):
        family.add_metric([item_type, state], count)
    yield family


def _outbox(session) -> Iterator:
    queued = select(func.count(), func.min(IndexTask.created_at)).where(IndexTask.state == IndexState.QUEUED)
    depth, oldest = session.execute(queued).one()
    yield GaugeMetricFamily("vidensnet_search_outbox_depth", "Index tasks waiting for Meilisearch.", value=depth)
    age = (utcnow() - oldest).total_seconds() if oldest else 0
    yield GaugeMetricFamily("vidensnet_search_outbox_oldest_age_seconds",
                            "Age of the oldest waiting index task (0 when none waits).", value=age)


def _envelopes(session) -> Iterator:
    received = CounterMetricFamily("vidensnet_envelopes_received", "Envelopes held that came from a peer, by peer.",
                                   labels=["peer"])
    for peer, count in session.execute(select(Envelope.received_from, func.count())
                                       .where(Envelope.received_from.is_not(None)).group_by(Envelope.received_from)):
        received.add_metric([peer], count)
    yield received
    rejected = CounterMetricFamily("vidensnet_envelopes_rejected", "Received data refused and kept on record, "
                                   "by reason (its text up to the first colon).", labels=["reason"])
    counts: dict[str, int] = {}
    for reason, count in session.execute(select(Rejection.reason, func.count()).group_by(Rejection.reason)):
        # The reason's head names the check; the rest (ids, values) would make a series per rejection.
        head = reason.split(":", 1)[0].strip()[:80]
        counts[head] = counts.get(head, 0) + count
    for head, count in counts.items():
        rejected.add_metric([head], count)
    yield rejected


def _peers(session) -> Iterator:
    last = GaugeMetricFamily("vidensnet_peer_last_success_timestamp_seconds",
                             "When a pull from the peer last succeeded (Unix time).", labels=["peer", "state"])
    lag = GaugeMetricFamily("vidensnet_peer_lag_seconds", "Seconds since a pull from the peer last succeeded.",
                            labels=["peer", "state"])
    now = utcnow()
    for peer in session.scalars(select(Peer)):
        if peer.last_success_at is not None:
            last.add_metric([peer.id, peer.state], peer.last_success_at.timestamp())
            lag.add_metric([peer.id, peer.state], (now - peer.last_success_at).total_seconds())
    yield last
    yield lag


def _login_failures(session) -> Iterator:
    family = CounterMetricFamily("vidensnet_login_failures", "Failed logins on record, by outcome.",
                                 labels=["outcome"])
    for outcome, count in session.execute(select(LoginAttempt.outcome, func.count())
                                          .where(LoginAttempt.outcome != LoginOutcome.SUCCEEDED)
                                          .group_by(LoginAttempt.outcome)):
        family.add_metric([outcome], count)
    yield family


def _worker_lease(session) -> Iterator:
    lease = read_lease(session)
    yield GaugeMetricFamily("vidensnet_worker_lease_held",
                            "1 while a background worker holds an unexpired lease, else 0.", value=int(lease.active))
    if lease.renewed_seconds_ago is not None:
        yield GaugeMetricFamily("vidensnet_worker_lease_renewed_age_seconds",
                                "Seconds since the background worker last renewed its lease.",
                                value=lease.renewed_seconds_ago)
