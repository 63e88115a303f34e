"""Latency of the item lists (API, list pages, front page) at 1,000, 10,000 and 100,000 items held.

    .venv/bin/python bench/item_lists.py [--sizes 1000,10000,100000] [--rounds 5] [--requests 20] [--keep DIR]

For each size a node's database is built through the production code (bench/_common.build_node: import_items in
chunks, every item signed into the changes feed): half practice items, the rest methods, guidance and plans; every
item tagged 'natteravne', one in thirteen 'tag-3', one in a thousand 'Sjælden' (asked for as 'sjaelden'), the first
25 'Udvalgt' (the same matches at every size); nine in ten public, the others for the network or one police
district; one in a hundred expired, one in a hundred expiring next year and one in two hundred a draft, so that the
visibility conditions have something to do. Each node is served by a real `vidensnet run` on 127.0.0.1 without
Meilisearch, and every list is requested over HTTP, the sizes in turn within each round (so that load from anything
else on the machine hits all alike). Reported per list: the median over the rounds of each round's p50 and p95, and
the p95 ratio against the first size (the baseline, measured in the same run); the goal is p95 at 100,000 items ≤
1.3 × p95 at 1,000. The query plans of the list queries, compiled from the statements node.items.queries runs, are
printed from the largest node.

With --keep DIR the built nodes stay in DIR and a later run reuses them. With --postgresql URL the
largest node is also built in that PostgreSQL database, which is then ANALYZEd, and the plans there
are printed too (the latencies are measured on SQLite only).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import requests
from _common import NodeProcess, build_node, machine, median, percentile, progress, reused_or_built, table
from sqlalchemy import func, select, text, update

from federation.changes import feed_rows
from federation.models import Envelope
from node.core.config import NodeSettings, load_config
from node.core.db import make_engine, make_sessionmaker, query_plan
from node.core.models import Item, ItemStatus, User, utcnow
from node.items.queries import ItemFilters, latest_statements, list_statements

NODE = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
GOAL = 1.3
TYPES = ("practice",) * 10 + ("method",) * 5 + ("guidance",) * 4 + ("plan",)
DETAILS = {"plan": {"participating_municipalities": ["0751", "0730"]}}
READER = ("laeser", "reader", "bench-password-1234")

# (label, path, logged in); a deep page is page 25 (items 481-500), there at every size.
LISTS = [
    ("API, anonymous", "/api/v1/items", False),
    ("API, logged in (reader)", "/api/v1/items", True),
    ("API ?type=practice", "/api/v1/items?type=practice", False),
    ("API page 2", "/api/v1/items?page=2", False),
    ("API page 25", "/api/v1/items?page=25", False),
    ("API ?tag=tag-3", "/api/v1/items?tag=tag-3", False),
    ("API ?tag=natteravne (every item)", "/api/v1/items?tag=natteravne", False),
    ("API ?tag=sjaelden (1 in 1,000)", "/api/v1/items?tag=sjaelden", False),
    ("API ?tag=udvalgt (the same 25 items)", "/api/v1/items?tag=udvalgt", False),
    ("API ?municipality=0730", "/api/v1/items?municipality=0730", False),
    ("/praksis", "/praksis", False),
    ("/praksis?municipality=0730", "/praksis?municipality=0730", False),
    ("/ (front page)", "/", False),
]


def item_line(n: int) -> str:
    """Item n of the mix: its type, audience and term values follow from n."""
    audience = "network" if n % 10 == 9 else {"districts": ["Østjyllands Politi"]} if n % 50 == 7 else "public"
    item_type = TYPES[n % len(TYPES)]
    return json.dumps({
        "id": f"liste-{n:06d}", "type": item_type, "title": f"Indsats nr. {n} i lokalområdet",
        "summary": "Voksne på gaden fredag og lørdag aften i samarbejde med klub og politi.",
        "body": f"Opgjort for område {n % 97}.", "audience": audience,
        "tags": ["natteravne", f"tag-{n % 13}", *(["Sjælden"] if n % 1000 == 1 else []),
                 *(["Udvalgt"] if n < 25 else [])],
        "municipalities": [("0751", "0730", "0101", "0461", "0851")[n % 5]], "prevention_level": "forebyggende",
        "details": DETAILS.get(item_type, {}),
    }, ensure_ascii=False)


def build(home: Path, size: int, database_url: str | None = None) -> float:
    """Build the node; then one item in a hundred has expired, one expires next year, one in two hundred is a draft.

    The expired ones are left as housekeeping leaves them (status expired), so that it has nothing to do while
    the lists are measured.
    """
    seconds, sessions = build_node(home, NODE, size, item_line, database_url)
    ids = lambda step, rest: [f"{NODE.id}:liste-{n:06d}" for n in range(rest, size, step)]  # noqa: E731
    now = utcnow()
    with sessions.begin() as session:
        session.execute(update(Item).where(Item.id.in_(ids(100, 5)))
                        .values(expires_at=now - timedelta(days=1), status=ItemStatus.EXPIRED))
        session.execute(update(Item).where(Item.id.in_(ids(100, 6))).values(expires_at=now + timedelta(days=365)))
        session.execute(update(Item).where(Item.id.in_(ids(200, 3))).values(status=ItemStatus.DRAFT))
    (home / "build.json").write_text(json.dumps({"size": size, "seconds": seconds}), encoding="utf-8")
    return seconds


class Target:
    """One built node, served by a real `vidensnet run`, and the latencies measured against it."""

    def __init__(self, home: Path, size: int):
        self.home, self.size = home, size
        self.node = NodeProcess.attach(home)
        if not (home / "reader-token").exists():
            self.node.add_user(READER[0], READER[1], READER[2])
            (home / "reader-token").write_text(self.node.api_token(READER[0]), encoding="utf-8")
        self.token = (home / "reader-token").read_text(encoding="utf-8").strip()
        self.http = requests.Session()
        self.latencies: dict[str, list[list[float]]] = {label: [] for label, _, _ in LISTS}

    def request(self, path: str, logged_in: bool) -> float:
        headers = {"Authorization": "Bearer " + self.token} if logged_in else {}
        response = self.http.get(self.node.url + path, headers=headers, timeout=60)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.elapsed.total_seconds()


def measure(targets: list[Target], rounds: int, per_round: int) -> None:
    """Each round requests every list `per_round` times from each node in turn."""
    for target in targets:
        target.node.start()
    try:
        for label, path, logged_in in LISTS:  # warm-up: statement caches, page caches, the server's threads
            for target in targets:
                for _ in range(3):
                    target.request(path, logged_in)
        for r in range(rounds):
            progress(f"round {r + 1}/{rounds} ...")
            for label, path, logged_in in LISTS:
                samples = {t.size: [] for t in targets}
                for _ in range(per_round):
                    for target in targets:
                        samples[target.size].append(target.request(path, logged_in))
                for target in targets:
                    target.latencies[label].append(samples[target.size])
    finally:
        for target in targets:
            target.node.stop()


def plans(database_url: str) -> list[tuple[str, str]]:
    """(query, plan) for the statements behind the lists, in the node's database."""
    # The lists ask only whether someone is logged in, and whether they are an editor.
    reader, editor = User(username=READER[0], role=READER[1]), User(username="redaktoer", role="editor")
    with make_sessionmaker(make_engine(database_url))() as session:
        asked = {
            "list, anonymous": list_statements(None, ItemFilters()),
            "list, logged in": list_statements(reader, ItemFilters()),
            "list ?type=practice": list_statements(None, ItemFilters(type="practice")),
            "list ?tag=tag-3": list_statements(None, ItemFilters(terms=(("tags", "tag-3"),))),
            "list ?tag=sjaelden": list_statements(None, ItemFilters(terms=(("tags", "sjaelden"),))),
            "list ?municipality=0730": list_statements(None, ItemFilters(terms=(("municipalities", "0730"),))),
            "list ?type=practice, logged in": list_statements(reader, ItemFilters(type="practice")),
            "editor's drafts (?status=draft)": list_statements(editor, ItemFilters(status="draft"), drafts=True),
        }
        found = []
        for name, (rows, count) in asked.items():
            found.append((f"{name}: rows", query_plan(session, rows.limit(20))))
            found.append((f"{name}: total", query_plan(session, count)))
        found.append(("front page, plans, anonymous", query_plan(session, latest_statements(None)["plan"])))
        found.append(("front page, plans, logged in", query_plan(session, latest_statements(reader)["plan"])))
        found.append(("changes feed, the page after seq 1000", query_plan(session, feed_rows(1000, 200))))
        head = select(func.coalesce(func.max(Envelope.seq), 0))  # federation.changes.feed_head
        found.append(("changes feed, its head (an empty poll)", query_plan(session, head)))
    return found


def report(targets: list[Target], builds: dict[int, float], rounds: int, per_round: int) -> None:
    ms = lambda seconds: f"{1000 * seconds:.1f}"  # noqa: E731
    p50 = lambda t, label: median([median(s) for s in t.latencies[label]])  # noqa: E731
    p95 = lambda t, label: median([percentile(s, 95) for s in t.latencies[label]])  # noqa: E731
    print(f"## Item lists ({date.today()}, {machine()}, {rounds} rounds of {per_round} requests per list and node,"
          " interleaved)\n")
    print("Built: " + ", ".join(f"{size} items in {builds[size]:.0f} s" for size in builds) + "\n")
    base = targets[0]
    header = ["list"] + [f"{t.size} p50 / p95 ms" for t in targets] + [f"p95 {t.size}/{base.size}" for t in targets[1:]]
    rows, worst = [], 0.0
    for label, _, _ in LISTS:
        ratios = [p95(t, label) / p95(base, label) for t in targets[1:]]
        worst = max([worst, *ratios])
        rows.append([label, *(f"{ms(p50(t, label))} / {ms(p95(t, label))}" for t in targets),
                     *(f"{r:.2f}" for r in ratios)])
    print(table(header, rows))
    print(f"\nVerdict: the worst p95 ratio is {worst:.2f} ({'≤' if worst <= GOAL else '>'} the goal of {GOAL}).\n")
    print(f"Query plans on the {targets[-1].size}-item node (SQLite, EXPLAIN QUERY PLAN):\n")
    for name, plan in plans(load_config(targets[-1].home).database_url):
        print(f"- {name}: `{plan}`")


def postgresql_report(url: str, root: Path, size: int) -> None:
    """Build a node of `size` items in the PostgreSQL database `url` (once), ANALYZE it and print the plans."""
    home = root / f"node-{size}-postgresql"
    if not (home / "build.json").exists():
        shutil.rmtree(home, ignore_errors=True)
        progress(f"building a node with {size} items in PostgreSQL ...")
        build(home, size, url)
    with make_sessionmaker(make_engine(url)).begin() as session:
        session.execute(text("ANALYZE"))  # the statistics autovacuum would gather on a live server
    print(f"\nQuery plans with {size} items on PostgreSQL (EXPLAIN, after ANALYZE):\n")
    for name, plan in plans(url):
        steps = plan.replace(" / ", "\n")
        print(f"{name}:\n\n```\n{steps}\n```\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="item counts; the first is the baseline")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="requests per list, node and round")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the built nodes in this directory")
    parser.add_argument("--postgresql", metavar="URL", help="also build the largest node in this empty PostgreSQL "
                        "database and print the plans there")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="vidensnet-bench-lists-"))
    root.mkdir(parents=True, exist_ok=True)
    builds, targets = {}, []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            home = root / f"node-{size}"
            builds[size] = reused_or_built(home, size, lambda: build(home, size))
            targets.append(Target(home, size))
        measure(targets, args.rounds, args.requests)
        report(targets, builds, args.rounds, args.requests)
        if args.postgresql:
            postgresql_report(args.postgresql, root, targets[-1].size)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
