"""`vidensnet serve --workers 2` beside a `vidensnet worker`: pages, API and /readyz, and metrics summed over both."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.live_nodes import DEMO_FILES, HTTP_TIMEOUT, ChildNode, free_port, stop_all, wait_for
from tests.helpers.node_processes import ServeProcess, WorkerProcess, whole_log

START_TIMEOUT = 60


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=HTTP_TIMEOUT).status_code == 200
    except requests.ConnectionError:
        return False


def _healthz_count(url: str) -> float:
    text = requests.get(url + "/metrics", timeout=HTTP_TIMEOUT).text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "vidensnet_http_requests_total" and sample.labels["endpoint"] == "health.healthz")


def _healthz_counts_by_process(node: ChildNode, scratch: Path) -> list[float]:
    """Each web process's own count of /healthz requests, from its file in the multiprocess directory."""
    counts = []
    for path in sorted((node.home / "metrics").glob("counter_*.db")):
        alone = scratch / path.stem
        alone.mkdir(exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts.append(sum(sample.value for family in registry.collect() for sample in family.samples
                          if sample.name == "vidensnet_http_requests_total"
                          and sample.labels["endpoint"] == "health.healthz"))
    return counts


def test_serve_with_two_workers_answers_pages_api_and_readyz_and_its_metrics_count_both(tmp_path):
    node = ChildNode(tmp_path / "aarhus", port=free_port())
    node.init("Aarhus Kommune", "municipality", municipality="0751")
    node.cli("import", str(DEMO_FILES[0]))
    worker, web = WorkerProcess(node.home, {}, 0), ServeProcess(node.home, {}, 2, node.port)
    try:
        worker.start()
        web.launch()  # ready when /readyz answers, below, not only /healthz
        wait_for(lambda: _answers(node.url + "/readyz"), START_TIMEOUT, message=f"serve ready; {whole_log(web)}")
        front = requests.get(node.url + "/", timeout=HTTP_TIMEOUT)
        assert front.status_code == 200 and front.headers["Server"] == "vidensnet"
        assert requests.get(node.url + "/api/v1/items", timeout=HTTP_TIMEOUT).json()["total"] >= 1
        assert requests.get(node.url + "/readyz", timeout=HTTP_TIMEOUT).json()["worker"] == "ok"
        # Started side by side, the web processes find the worker's Meilisearch once the worker has started it.
        wait_for(lambda: requests.get(node.url + "/readyz", timeout=HTTP_TIMEOUT).json()["search"] == "ok",
                 START_TIMEOUT, message="the web processes finding the worker's Meilisearch")
        sent, scratch = 0, tmp_path / "scratch"
        scratch.mkdir()
        with ThreadPoolExecutor(8) as pool:
            # Until each web process has answered some (new connections, side by side, spread over both).
            while sent < 2000 and (sent == 0 or min(_healthz_counts_by_process(node, scratch), default=0) == 0):
                sent += len(list(pool.map(lambda _: requests.get(node.url + "/healthz", timeout=HTTP_TIMEOUT),
                                          range(40))))
        by_process = _healthz_counts_by_process(node, scratch)
        assert len(by_process) == 2 and min(by_process) > 0, f"the requests did not reach both: {by_process}"
        assert _healthz_count(node.url) == sent == sum(by_process)  # one scrape answers for both processes
    finally:
        stop_all([web, worker])
    assert "Meilisearch" not in whole_log(web) and "scheduler" not in whole_log(web).lower()
    assert "GET /healthz 200" in whole_log(web)  # the node's access log; gunicorn's own is off
