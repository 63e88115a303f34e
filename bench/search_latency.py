"""Search benchmark: /api/v1/search against raw Meilisearch, index lag, and a full reindex.

Usage: python bench/search_latency.py [--items 100000] [--rounds 10]

One real node (`vidensnet run` on 127.0.0.1, managing its own Meilisearch)
holds N generated items. In the same run it measures:
- p50/p95 latency of the node's /api/v1/search, and of the same queries sent
  straight to Meilisearch with the same parameters (the baseline): ratio node/raw;
- index lag: publish through the API, poll search until the item is found;
- full `vidensnet reindex` time.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import NodeProcess, generated_item, item_lines  # noqa: E402

from search.binary import CACHED_BINARY  # noqa: E402
from search.index import SearchIndex  # noqa: E402
from search.query import SearchRequest, meilisearch_query, search_options  # noqa: E402

QUERIES = ["natteravne", "busterminalen", "klub", "politi", "SSP", "erfaringer", "vagtplan", "fravær",
           "forebyggelse", "tag-7", "område 42", "natteravne klub", "uro", "statusmøde", "voksne aften",
           "anmeldelserne", "samarbejde", "fredag lørdag", "terminal", "bekymringssamtale"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build_node(root: Path, items: int) -> NodeProcess:
    node = NodeProcess(root / "node", "Aarhus Kommune", "municipality", municipality="0751",
                       env={"VIDENSNET_MEILISEARCH_BIN": str(CACHED_BINARY)})
    chunk = 10_000
    for start in range(0, items, chunk):
        path = root / f"items-{start}.jsonl"
        path.write_text("".join(item_lines(start, min(items, start + chunk))), encoding="utf-8")
        node.cli("import", str(path))
        print(f"  imported {min(items, start + chunk):,}/{items:,}", file=sys.stderr, flush=True)
    node.cli("user", "add", "bench", "--role", "publisher", "--password-stdin", input="bench-password-123\n")
    node.token = node.cli("user", "token", "bench").stdout.strip()
    return node


def wait_indexed(node: NodeProcess, expected: int, timeout: float = 3600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        answer = requests.get(node.url + "/api/v1/search", params={"q": ""}, timeout=30).json()
        total = 0 if answer["degraded"] else answer["total"]  # the database fallback does not count
        if total >= expected:
            return time.monotonic() - started
        print(f"  indexed {total:,}/{expected:,}", file=sys.stderr, flush=True)
        time.sleep(2)
    raise RuntimeError("index did not catch up")


def latencies(node: NodeProcess, rounds: int) -> tuple[list[float], list[float]]:
    meili_url = (node.home / "meilisearch" / "url").read_text().strip()
    key = (node.home / "meilisearch" / "master.key").read_text().strip()
    # The baseline uses the node's own Meilisearch client (one kept connection) with the exact
    # parameters the node sends, so the difference is what the node adds around the call.
    raw_index = SearchIndex(meili_url, key)
    node_session = requests.Session()
    node_times, raw_times = [], []
    for _ in range(rounds):
        for q in QUERIES:
            request = SearchRequest(q)
            t = time.perf_counter()
            raw_index.search(meilisearch_query(request), search_options(request, logged_in=False))
            raw_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            assert node_session.get(node.url + "/api/v1/search", params={"q": q}, timeout=30).ok
            node_times.append(time.perf_counter() - t)
    return node_times, raw_times


def _found_in_meilisearch(node: NodeProcess, query: str) -> bool:
    answer = requests.get(node.url + "/api/v1/search", params={"q": query}, timeout=30).json()
    return not answer["degraded"] and answer["total"] > 0  # a database-fallback hit does not count


def index_lag(node: NodeProcess, samples: int) -> list[float]:
    lags = []
    for n in range(samples):
        marker = "lag" + secrets.token_hex(8)  # random, so typo tolerance cannot match an earlier sample
        item = {**generated_item(900_000 + n), "title": f"Forsinkelsesmåling {marker}"}
        headers = {"Authorization": f"Bearer {node.token}"}
        response = requests.post(node.url + "/api/v1/items?publish=true", json=item, headers=headers, timeout=30)
        assert response.status_code == 201
        start = time.monotonic()
        while not _found_in_meilisearch(node, marker):
            time.sleep(0.02)
        lags.append(time.monotonic() - start)
    return lags


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidensnet-bench-search-") as tmp:
        root = Path(tmp)
        t = time.monotonic()
        node = build_node(root, args.items)
        build = time.monotonic() - t
        node.start()
        try:
            first_index = wait_indexed(node, args.items)
            node_times, raw_times = latencies(node, args.rounds)
            lags = index_lag(node, 20)
            t = time.monotonic()
            node.cli("reindex")
            reindex_seconds = time.monotonic() - t
        finally:
            node.stop()
    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    print(f"\n### Search, {args.items:,} items, {len(node_times)} queries per side\n")
    print("| measure | node /api/v1/search | raw Meilisearch (baseline) | ratio | goal |")
    print("|---|---|---|---|---|")
    for name, p in (("p50", 50), ("p95", 95)):
        n, r = percentile(node_times, p), percentile(raw_times, p)
        print(f"| {name} latency | {ms(n)} | {ms(r)} | {n / r:.2f}× | {'≤ 1.3× (p95)' if p == 95 else ''} |")
    print(f"| index lag p50 / p95 (publish → searchable, 20 items) | {statistics.median(lags):.2f} s / "
          f"{percentile(lags, 95):.2f} s | | | p95 ≤ 2 s |")
    print(f"| full reindex (`vidensnet reindex`) | {reindex_seconds:.1f} s | | | |")
    print(f"| first indexing through the outbox | {first_index:.1f} s | | | |")
    print(f"| building the node (import of {args.items:,} items) | {build:.1f} s | | | |")
    print(json.dumps({"node_p95": percentile(node_times, 95), "raw_p95": percentile(raw_times, 95)}), file=sys.stderr)


if __name__ == "__main__":
    main()
