"""Indexing benchmark: the outbox drain and `vidensnet reindex` against raw Meilisearch on the same server.

Usage: python bench/indexing.py [--items 10000] [--rounds 3] [--home DIR]

One real node (`vidensnet run` on 127.0.0.1, managing its own Meilisearch) holds N
generated items (bench/search_latency.py builds it; with --home the node is kept there
and reused by later runs). A fresh node's first indexing by its worker is timed once.
Then, in rounds, interleaved, on the node's own Meilisearch:
- raw: the node's documents, built beforehand, sent straight to a fresh index with the
  node's settings in the node's batch size, all at once, until the last task succeeded
  (the baseline);
- outbox: `search.indexer.drain_outbox` in this process over a copy of the node's
  database with every item queued, into a fresh index;
- reindex: `vidensnet reindex` of the node, while searches go to its /api/v1/search
  (their p95, and how many fell back to the database).
Also the cost of building one document (`to_document`), with the word caches warm and cold.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import NodeProcess, machine, percentile, progress, table  # noqa: E402
from search_latency import QUERIES, build_node  # noqa: E402
from sqlalchemy import delete, func, select  # noqa: E402

from node.core.config import load_config  # noqa: E402
from node.core.db import make_engine, make_sessionmaker  # noqa: E402
from node.core.models import Item  # noqa: E402
from search import danish  # noqa: E402
from search.binary import CACHED_BINARY  # noqa: E402
from search.documents import to_document  # noqa: E402
from search.index import SearchIndex  # noqa: E402
from search.indexer import BATCH, drain_outbox, queue_every_item, queued_count  # noqa: E402
from search.models import IndexTask  # noqa: E402

MEILISEARCH_ENV = {"VIDENSNET_MEILISEARCH_BIN": str(CACHED_BINARY)}
SEARCH_PAUSE = 0.05  # seconds between searches during a reindex: a steady stream, not a flood


def node_for(home: Path | None, items: int, root: Path) -> tuple[NodeProcess, bool]:
    """The bench node (kept in `home` when given, reused when it exists there) and whether it is fresh."""
    base = home or root
    if (base / "node" / "node.json").exists():
        return NodeProcess.attach(base / "node", env=MEILISEARCH_ENV), False
    base.mkdir(parents=True, exist_ok=True)
    return build_node(base, items), True


def search_total(node: NodeProcess) -> int:
    """How many items Meilisearch (not the database fallback) finds for the empty query."""
    answer = requests.get(node.url + "/api/v1/search", params={"q": ""}, timeout=30).json()
    return 0 if answer["degraded"] else answer["total"]


def worker_first_indexing(node: NodeProcess, items: int) -> float:
    """Seconds from the node's start until its worker has indexed every item."""
    started = time.monotonic()
    node.start()
    while search_total(node) < items:
        time.sleep(0.2)
    return time.monotonic() - started


def settled(node: NodeProcess, items: int) -> None:
    """Wait until the node's worker has emptied its outbox and Meilisearch finds every item."""
    sessions = make_sessionmaker(make_engine(load_config(node.home).database_url))
    time.sleep(2)  # the worker's first cycle: it queues every item again when the index holds an older shape
    while True:
        with sessions() as session:
            if queued_count(session) == 0 and search_total(node) >= items:
                return
        time.sleep(0.5)


def database_copy(node: NodeProcess, target: Path):
    """A sessionmaker over a copy of the node's SQLite database, for outbox rounds that leave the node alone."""
    source = load_config(node.home).database_url.removeprefix("sqlite:///")
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    return make_sessionmaker(make_engine(f"sqlite:///{target}"))


def build_cost(sessions) -> tuple[list[dict], float, float]:
    """All documents, and µs per `to_document` with the word caches warm (second pass) and cold (cleared per item)."""
    with sessions() as session:
        items = session.scalars(select(Item)).all()
        documents = [to_document(item) for item in items]
        t = time.perf_counter()
        for item in items:
            to_document(item)
        warm = (time.perf_counter() - t) / len(items) * 1e6
        sample = items[:500]
        t = time.perf_counter()
        for item in sample:
            forget_words()
            to_document(item)
        cold = (time.perf_counter() - t) / len(sample) * 1e6
    return documents, warm, cold


def forget_words() -> None:
    """Empty search.danish's word caches, where there are any (so the cost of words seen first is measured)."""
    for name in dir(danish):
        clear = getattr(getattr(danish, name), "cache_clear", None)
        if clear is not None and name != "lexicon":
            clear()


def fresh_index(meilisearch: tuple[str, str], uid: str) -> SearchIndex:
    index = SearchIndex(*meilisearch, uid)
    index.drop(uid, missing_ok=True)
    index.ensure()
    return index


def raw_round(meilisearch: tuple[str, str], documents: list[dict]) -> float:
    """Docs/s of Meilisearch alone: every batch sent at once, timed until the last task succeeded."""
    index = fresh_index(meilisearch, "bench_raw")
    t = time.perf_counter()
    tasks = [index.call("POST", f"/indexes/{index.uid}/documents?primaryKey=key", documents[i:i + BATCH])
             for i in range(0, len(documents), BATCH)]
    for task in tasks:
        index.wait(task)
    seconds = time.perf_counter() - t
    index.drop(index.uid)
    return len(documents) / seconds


def outbox_round(meilisearch: tuple[str, str], sessions, items: int) -> float:
    """Docs/s of `drain_outbox` over a full outbox (every item queued) into a fresh index."""
    index = fresh_index(meilisearch, "bench_outbox")
    with sessions.begin() as session:
        session.execute(delete(IndexTask))
    queue_every_item(sessions)
    t = time.perf_counter()
    applied = drain_outbox(sessions, index)
    seconds = time.perf_counter() - t
    with sessions() as session:
        assert applied == items == session.scalar(select(func.count()).select_from(IndexTask)), applied
    assert index.call("GET", f"/indexes/{index.uid}/stats")["numberOfDocuments"] == items
    index.drop(index.uid)
    return items / seconds


@contextmanager
def searching(node: NodeProcess):
    """Send searches to the node's /api/v1/search until the block ends; yields the (seconds, fell back) list."""
    answers: list[tuple[float, bool]] = []
    stop = threading.Event()

    def run() -> None:
        session, n = requests.Session(), 0
        while not stop.is_set():
            t = time.perf_counter()
            response = session.get(node.url + "/api/v1/search", params={"q": QUERIES[n % len(QUERIES)]}, timeout=30)
            answers.append((time.perf_counter() - t, not response.ok or response.json()["degraded"]))
            n += 1
            stop.wait(SEARCH_PAUSE)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield answers
    finally:
        stop.set()
        thread.join()


def reindex_round(node: NodeProcess, items: int) -> dict:
    """Docs/s of `vidensnet reindex`, and the searches answered meanwhile and just before it."""
    with searching(node) as idle:
        time.sleep(3)
    with searching(node) as during:
        t = time.perf_counter()
        node.cli("reindex")
        seconds = time.perf_counter() - t
    assert search_total(node) == items
    return {"docs_s": items / seconds, "seconds": seconds, "searches": len(during),
            "p95": percentile([s for s, _ in during], 95), "idle_p95": percentile([s for s, _ in idle], 95),
            "fallbacks": sum(fell_back for _, fell_back in during)}


def report(args, fresh_seconds: float | None, warm: float, cold: float, rounds: list[dict]) -> None:
    med = lambda key: statistics.median(r[key] for r in rounds)  # noqa: E731
    # Each round's ratio is taken against the raw rate of the same round, then the median of the ratios:
    # the machine's load changes between rounds more than within one.
    ratio = lambda key: statistics.median(r[key] / r["raw"] for r in rounds)  # noqa: E731
    raw = med("raw")
    print(f"\n#### Indexing, {args.items:,} items, {len(rounds)} rounds, median "
          f"({time.strftime('%Y-%m-%d')}, {machine()})\n")
    rows = [["raw Meilisearch (baseline): the node's documents, batches of "
             f"{BATCH} sent at once", f"{raw:.0f} docs/s", "1.00×", ""],
            ["first indexing through the outbox (`drain_outbox`, in process)", f"{med('outbox'):.0f} docs/s",
             f"{ratio('outbox'):.2f}×", "≥ 0.5×"],
            ["`vidensnet reindex`", f"{med('reindex'):.0f} docs/s ({med('reindex_seconds'):.1f} s)",
             f"{ratio('reindex'):.2f}×", "≥ 0.5×"]]
    if fresh_seconds is not None:
        rows.insert(2, ["first indexing by a fresh node's worker (once, start → all found)",
                        f"{args.items / fresh_seconds:.0f} docs/s", f"{args.items / fresh_seconds / raw:.2f}×", ""])
    print(table(["measure", "rate (median)", "ratio to raw (median of the rounds' ratios)", "goal"], rows))
    print(f"\nSearch during the reindex: {sum(r['searches'] for r in rounds)} searches, "
          f"{sum(r['fallbacks'] for r in rounds)} database fallbacks, p95 {med('p95') * 1000:.1f} ms "
          f"(idle just before: {med('idle_p95') * 1000:.1f} ms).")
    print(f"Building one document (`to_document`): {warm:.0f} µs with the word caches warm, "
          f"{cold:.0f} µs cold.")
    print("\nPer round (raw / outbox / reindex docs/s): "
          + "; ".join(f"{r['raw']:.0f} / {r['outbox']:.0f} / {r['reindex']:.0f}" for r in rounds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--home", type=Path, help="keep the node here and reuse it in later runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vidensnet-bench-indexing-") as tmp:
        node, fresh = node_for(args.home, args.items, Path(tmp))
        fresh_seconds = None
        try:
            if fresh:
                fresh_seconds = worker_first_indexing(node, args.items)
            else:
                node.start()
                settled(node, args.items)  # a node of an older document shape re-queues every item first
            meilisearch = ((node.home / "meilisearch" / "url").read_text().strip(),
                           (node.home / "meilisearch" / "master.key").read_text().strip())
            sessions = database_copy(node, Path(tmp) / "copy.sqlite3")
            documents, warm, cold = build_cost(sessions)
            rounds = []
            for n in range(args.rounds):
                progress(f"  round {n + 1}/{args.rounds}")
                row = {"raw": raw_round(meilisearch, documents), "outbox": outbox_round(meilisearch, sessions,
                                                                                         args.items)}
                found = reindex_round(node, args.items)
                rounds.append({**row, "reindex": found["docs_s"], "reindex_seconds": found["seconds"], **found})
                progress(f"    {rounds[-1]['raw']:.0f} / {rounds[-1]['outbox']:.0f} / {found['docs_s']:.0f} docs/s")
        finally:
            node.stop()
    report(args, fresh_seconds, warm, cold, rounds)


if __name__ == "__main__":
    main()
