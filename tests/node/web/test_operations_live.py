"""Health, metrics and logs on real `vidensnet run` processes, as an operator's monitoring meets them."""

from __future__ import annotations

import json

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, peer, stop_all, wait_for, write_items

METHOD = {"id": "m1", "type": "method", "title": "Natteravne", "summary": "x", "audience": "public"}


def _peer_lag(node: LiveNode, peer_id: str) -> float | None:
    text = requests.get(node.url + "/metrics", timeout=HTTP_TIMEOUT).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "vidensnet_peer_lag_seconds" and sample.labels["peer"] == peer_id:
                return sample.value
    return None


def test_a_running_node_is_healthy_ready_reports_a_peers_pull_and_logs_each_request_as_json(tmp_path):
    aarhus = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    odense = LiveNode(tmp_path / "odense", "Odense Kommune", "municipality", municipality="0461")
    aarhus.env["VIDENSNET_LOG_FORMAT"] = "json"
    odense.publish(write_items(tmp_path / "items.jsonl", METHOD))
    nodes = [aarhus, odense]
    try:
        for node in nodes:
            node.start()
        peer(aarhus, odense)
        assert requests.get(aarhus.url + "/healthz", timeout=HTTP_TIMEOUT).json() == {"status": "ok"}
        ready = requests.get(aarhus.url + "/readyz", timeout=HTTP_TIMEOUT)
        assert ready.status_code == 200 and ready.json()["database"] == "ok"
        wait_for(lambda: _peer_lag(aarhus, odense.id) is not None, message="a pull from odense on the metrics")
        assert _peer_lag(aarhus, odense.id) >= 0
        traced = requests.get(aarhus.url + "/healthz", headers={"X-Request-Id": "trace-42"}, timeout=HTTP_TIMEOUT)
    finally:
        stop_all(nodes)
    assert traced.headers["X-Request-Id"] == "trace-42"
    lines = [json.loads(line) for line in aarhus.log_path.read_text(encoding="utf-8").splitlines()
             if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "vidensnet.access" and line["request_id"] == "trace-42"]
    assert len(access) == 1 and access[0]["path"] == "/healthz" and access[0]["status"] == 200
