"""`/metrics`: Prometheus text for allowed addresses or the token, with gauges read from the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from node.web.app import create_app
from node.worker.lease import Holder, Lease
from tests.helpers.nodes import publish
from tests.helpers.web import csrf_token


def _samples(response) -> dict[tuple[str, tuple], float]:
    text = response.get_data(as_text=True)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_from_the_local_address_count_items_the_outbox_login_failures_and_requests(
        client, sessions, users):
    publish(sessions, "a", "b")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "editor", "password": "forkert", "csrf_token": token})
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = _samples(response)
    assert samples[("vidensnet_items", (("state", "published"), ("type", "method")))] == 2
    assert samples[("vidensnet_search_outbox_depth", ())] == 2
    assert samples[("vidensnet_search_outbox_oldest_age_seconds", ())] >= 0
    assert samples[("vidensnet_login_failures_total", (("outcome", "wrong_password"),))] == 1
    login_posts = (("endpoint", "auth.login"), ("method", "POST"), ("status", "401"))
    assert samples[("vidensnet_http_requests_total", login_posts)] == 1
    assert samples[("vidensnet_http_request_duration_seconds_count", (("endpoint", "auth.login"),))] == 2


def test_metrics_are_refused_to_another_address_without_the_token_and_served_with_it(config):
    client = create_app(replace(config, metrics_token="hemmelig-maaler")).test_client()
    elsewhere = {"REMOTE_ADDR": "192.0.2.9"}
    assert client.get("/metrics", environ_base=elsewhere).status_code == 403
    wrong = {"Authorization": "Bearer gaet"}
    assert client.get("/metrics", environ_base=elsewhere, headers=wrong).status_code == 403
    right = {"Authorization": "Bearer hemmelig-maaler"}
    assert client.get("/metrics", environ_base=elsewhere, headers=right).status_code == 200


def test_without_a_token_configured_an_empty_bearer_is_refused(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.9"}, headers={"Authorization": "Bearer "})
    assert response.status_code == 403


def test_metrics_report_whether_a_worker_holds_the_lease_and_how_long_ago_it_renewed_it(client, sessions):
    local = {"REMOTE_ADDR": "127.0.0.1"}
    samples = _samples(client.get("/metrics", environ_base=local))
    assert samples[("vidensnet_worker_lease_held", ())] == 0
    assert ("vidensnet_worker_lease_renewed_age_seconds", ()) not in samples
    Lease(sessions, Holder("worker-host", 1, "token"), timedelta(seconds=60)).acquire()
    samples = _samples(client.get("/metrics", environ_base=local))
    assert samples[("vidensnet_worker_lease_held", ())] == 1
    assert 0 <= samples[("vidensnet_worker_lease_renewed_age_seconds", ())] < 60
