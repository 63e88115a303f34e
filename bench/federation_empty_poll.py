"""Cost of an empty poll (GET /federation/v1/changes?since=<head>) with 100 and with 100,000 items held.

    .venv/bin/python bench/federation_empty_poll.py [--sizes 100,100000] [--polls 200] [--keep DIR]

For each size a node's database is built through the production code
(node.items.files.import_items in a session, with ActingNode(node_id, item_sinks(key)): every
item is signed into the changes feed), in chunks, with progress on stderr. A
caller is peered and approved through federation.peering (record_peer,
approve_peer). The node is then served by a real `vidensnet run` process on
127.0.0.1 and the caller makes N empty polls over HTTP, each with a fresh JWT,
a new connection each time (as PeerClient does). Measured: client latency
(p50/p95), response body bytes, and in-process server time: changes_since()
alone and the whole Flask view (JWT check included) through a test client.
The 100-item node is the baseline; the report gives 100k/100 ratios.

With --keep DIR the built nodes stay in DIR and a later run reuses them
(the 100k build is the slow part: about 4-7 ms per item on a small machine).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import requests
from _common import NodeProcess, build_node, machine, median, percentile, progress, reused_or_built, table
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text

from federation.audience import NodeView
from federation.changes import changes_since
from federation.identity import generate_node_key, load_node_key
from federation.models import Envelope
from federation.peering import approve_peer, record_peer
from federation.tokens import issue_token
from federation.trust import check_descriptor, own_descriptor
from node.core.config import NodeSettings, load_config
from node.core.db import make_engine, make_sessionmaker
from node.web.app import create_app

NODE = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
CALLER = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")
GOAL_BYTES = 1024
PATH = "/federation/v1/changes"


def item_line(n: int) -> str:
    """A small public item: the empty poll never reads an item, so size does not matter here."""
    return json.dumps({"id": f"poll-{n:06d}", "type": "method", "title": f"Metode nr. {n}",
                       "summary": "En kort beskrivelse af metoden.", "audience": "public",
                       "municipalities": ["0751"]}, ensure_ascii=False)


def build(home: Path, size: int, caller_key: Ed25519PrivateKey) -> float:
    """Create the node and publish `size` items through import_items; returns the seconds the import took."""
    seconds, sessions = build_node(home, NODE, size, item_line)
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(CALLER, caller_key)))
        approve_peer(session, CALLER.id)
    (home / "build.json").write_text(json.dumps({"size": size, "seconds": seconds}), encoding="utf-8")
    return seconds


def caller_key_for(root: Path) -> Ed25519PrivateKey:
    """The caller's key, kept next to the nodes so a reused node still knows it."""
    keys = root / "caller-keys"
    return load_node_key(keys) if (keys / "node.key").exists() else generate_node_key(keys)


class Target:
    """One built node, served by a real `vidensnet run`, and everything measured against it."""

    def __init__(self, home: Path, size: int, caller_key: Ed25519PrivateKey):
        self.home, self.size, self.caller_key = home, size, caller_key
        config = load_config(home)
        self.sessions = make_sessionmaker(make_engine(config.database_url))
        with self.sessions() as session:
            self.head = session.scalar(select(func.coalesce(func.max(Envelope.seq), 0)))
            held = session.scalar(select(func.count()).select_from(Envelope))
            plan = session.execute(text("EXPLAIN QUERY PLAN SELECT seq FROM envelopes WHERE seq > :c ORDER BY seq "
                                        "LIMIT 200"), {"c": self.head}).all()
        assert held == size, (held, size)
        self.plan = " / ".join(str(r[-1]) for r in plan)
        self.db_mb = (home / "vidensnet.db").stat().st_size / 1e6
        self.reader = NodeView(CALLER.id, CALLER.kind, CALLER.municipality, CALLER.district)
        self.params = {"since": self.head, "limit": 200}
        self.client = create_app(config).test_client()
        self.node = NodeProcess.attach(home, env={"VIDENSNET_PULL_SECONDS": "3600"})
        self.query, self.view, self.latencies = [], [], []
        self.body_sizes, self.header_sizes, self.request_sizes = set(), set(), set()
        self.body = ""

    def headers(self) -> dict[str, str]:
        token = issue_token(self.caller_key, CALLER.id, NODE.id)
        return {"Authorization": "Bearer " + token, "User-Agent": "Vidensnet/1"}

    def poll_once(self, record: bool = True) -> None:
        """One empty poll three ways: changes_since() alone, the whole view in-process, and over HTTP."""
        with self.sessions() as session:
            start = time.perf_counter()
            page = changes_since(session, self.head, 200, self.reader)
            query = time.perf_counter() - start
        assert page == ([], self.head, False), page
        h = self.headers()
        start = time.perf_counter()
        response = self.client.get(PATH, query_string=self.params, headers=h)
        view = time.perf_counter() - start
        assert response.status_code == 200, response.get_data(as_text=True)
        h = self.headers()
        start = time.perf_counter()
        # a new connection, as PeerClient
        response = requests.get(self.node.url + PATH, params=self.params, headers=h, timeout=10)
        latency = time.perf_counter() - start
        answer = response.json()
        assert response.status_code == 200 and answer == {"changes": [], "next": self.head, "more": False,
                                                          "epoch": answer.get("epoch")} and answer["epoch"]
        if not record:
            return
        self.query.append(query)
        self.view.append(view)
        self.latencies.append(latency)
        self.body, sent = response.text, response.request
        self.body_sizes.add(len(response.content))
        self.header_sizes.add(len("HTTP/1.1 200 OK\r\n")
                              + sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 2)
        self.request_sizes.add(len(f"{sent.method} {sent.path_url} HTTP/1.1\r\n")
                               + sum(len(k) + len(v) + 4 for k, v in sent.headers.items()) + 2)


def measure(targets: list[Target], polls: int) -> None:
    """Poll the nodes in turn (interleaved, so load from anything else on the machine hits all alike)."""
    for target in targets:
        target.node.start()
    try:
        for _ in range(10):  # warm-up: statement caches, page caches, the server's threads
            for target in targets:
                target.poll_once(record=False)
        for _ in range(polls):
            for target in targets:
                target.poll_once()
    finally:
        for target in targets:
            target.node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,100000", help="item counts; the first is the baseline")
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the built nodes in this directory")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="vidensnet-bench-poll-"))
    root.mkdir(parents=True, exist_ok=True)
    caller_key = caller_key_for(root)
    builds, targets = {}, []
    try:
        for size in sizes:
            home = root / f"node-{size}"
            builds[size] = reused_or_built(home, size, lambda: build(home, size, caller_key))
            targets.append(Target(home, size, caller_key))
        progress(f"{args.polls} empty polls per node, the nodes in turn ...")
        measure(targets, args.polls)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)

    ms = lambda seconds: f"{1000 * seconds:.2f}"  # noqa: E731
    print(f"## Federation empty poll ({date.today()}, {machine()}, {args.polls} polls per node, interleaved)\n")
    print(f"Empty poll body: `{targets[0].body.strip()}` (cursor = the node's head)\n")
    rows = []
    for t in targets:
        rows.append([t.size, f"{builds[t.size]:.0f} s ({t.size / builds[t.size]:.0f} items/s)", f"{t.db_mb:.1f}",
                     max(t.body_sizes), max(t.header_sizes), max(t.request_sizes),
                     ms(median(t.latencies)), ms(percentile(t.latencies, 95)),
                     ms(median(t.view)), ms(median(t.query)), ms(percentile(t.query, 95))])
    print(table(["items held", "build (import_items)", "DB MB", "body bytes", "response header bytes",
                 "request bytes (JWT incl.)", "HTTP p50 ms", "HTTP p95 ms", "view in-process p50 ms",
                 "changes_since p50 ms", "changes_since p95 ms"], rows))
    base = targets[0]
    print()
    ratio_rows = []
    for t in targets[1:]:
        ratio_rows.append([f"{t.size} / {base.size}", f"{max(t.body_sizes) / max(base.body_sizes):.2f}",
                           f"{median(t.latencies) / median(base.latencies):.2f}",
                           f"{percentile(t.latencies, 95) / percentile(base.latencies, 95):.2f}",
                           f"{median(t.view) / median(base.view):.2f}",
                           f"{median(t.query) / median(base.query):.2f}"])
    print(table(["ratio (goal: ≈ 1.0, body < 1 KB)", "body bytes", "HTTP p50", "HTTP p95", "view p50",
                 "changes_since p50"], ratio_rows))
    print(f"\nQuery plan of the feed query: `{base.plan}`")
    worst = max(max(t.body_sizes) for t in targets)
    total = max(max(t.body_sizes) + max(t.header_sizes) for t in targets)
    print(f"\nVerdict: empty-poll body {worst} bytes ({'<' if worst < GOAL_BYTES else '≥'} 1 KB); "
          f"with the response headers {total} bytes ({'<' if total < GOAL_BYTES else '≥'} 1 KB).")


if __name__ == "__main__":
    sys.exit(main())
