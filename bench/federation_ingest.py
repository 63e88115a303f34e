"""Federation ingest rate between two real nodes, against the raw Ed25519 verify rate.

    .venv/bin/python bench/federation_ingest.py [--items 10000] [--no-profile] [--keep DIR]

Node A (`vidensnet run` on 127.0.0.1) publishes N generated items through
`vidensnet import`; node B is a second real node, peered and approved both ways,
whose `run` process is stopped. The measurement is the wall time of
`vidensnet --home B sync` (a fresh process: one pull of everything from A over
HTTP), from which the fixed cost of the command (a second, empty `sync`) is also
reported. Baseline in the same run: Ed25519 verification of the same N envelope
signatures over their RFC 8785 canonical payloads, with the cryptography library
directly and through federation.wire.open_envelope.

If ingest/verify is below the goal (0.5), the same pull is run again in-process
(pull_from_peer against A's HTTP server, from a copy of B's data directory taken
before the sync), first with timers around the peer calls, then under cProfile
for the first 2,000 items, and the top costs are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from _common import NodeProcess, item_lines, machine, peer_nodes, progress, table

from federation.client import PeerClient
from federation.identity import b64url_decode, public_key_from_text, public_key_text
from federation.local import load_local_node
from federation.replication import pull_from_peer
from federation.wire import canonical, open_envelope
from node.config import load_config
from node.db import make_engine, make_sessionmaker, upgrade_database
from sqlalchemy import event

GOAL = 0.5
PROFILE_ITEMS = 2000  # the profiled pull stops after this many items (the cost per item is flat)


def count(home: Path, sql: str, *args) -> int:
    with sqlite3.connect(home / "vidensnet.db") as db:
        return db.execute(sql, args).fetchone()[0]


def verify_baseline(a_home: Path, origin: str) -> tuple[int, float, float]:
    """(n, raw verifies/s, open_envelope verifies/s) over A's stored envelopes."""
    with sqlite3.connect(a_home / "vidensnet.db") as db:
        rows = [json.loads(r[0]) for r in db.execute("SELECT envelope FROM envelopes WHERE origin = ?", (origin,))]
    public_text = public_key_text(load_local_node(load_config(a_home)).key)
    public = public_key_from_text(public_text)
    signed = [(b64url_decode(e["signature"]), canonical(e["payload"])) for e in rows]
    start = time.perf_counter()
    for signature, data in signed:
        public.verify(signature, data)
    raw = len(signed) / (time.perf_counter() - start)
    start = time.perf_counter()
    for envelope in rows:
        open_envelope(envelope, public_text)
    wire = len(rows) / (time.perf_counter() - start)
    return len(rows), raw, wire


class TimedClient(PeerClient):
    """PeerClient (real HTTP) that adds up the wall time of each kind of call."""

    spent: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    seen, cap = 0, 10**12

    def _timed(self, name, call, *args):
        start = time.perf_counter()
        try:
            return call(*args)
        finally:
            TimedClient.spent[name] += time.perf_counter() - start
            TimedClient.calls[name] += 1

    def changes(self, cursor, limit):
        page = self._timed("GET /changes", super().changes, cursor, limit)
        TimedClient.seen += len(page.get("changes") or [])
        if TimedClient.seen >= TimedClient.cap:
            page["more"] = False  # stop the profiled pull early: its cost per item is what matters
        return page

    def envelopes(self, item_ids):
        return self._timed("POST /envelopes", super().envelopes, item_ids)

    def node(self, node_id):
        return self._timed("GET /nodes/<id>", super().node, node_id)


def in_process_pull(home: Path, peer_id: str, profile: bool, cap: int = 10**12) -> tuple[float, object, cProfile.Profile | None]:
    config = load_config(home)
    upgrade_database(config.database_url)
    engine = make_engine(config.database_url)
    sessions = make_sessionmaker(engine)
    local = load_local_node(config)
    STATEMENTS.clear()
    event.listen(engine, "before_cursor_execute", _count_statement)
    TimedClient.spent.clear()
    TimedClient.calls.clear()
    TimedClient.seen, TimedClient.cap = 0, cap
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    report = pull_from_peer(sessions, local, peer_id, connect=TimedClient)
    if profiler:
        profiler.disable()
    return time.perf_counter() - start, report, profiler


STATEMENTS: Counter = Counter()


def _count_statement(_conn, _cursor, statement: str, _params, _context, _many) -> None:
    words = statement.split()
    table_name = words[words.index("FROM") + 1] if "FROM" in words else words[2] if words[0] != "UPDATE" else words[1]
    STATEMENTS[f"{words[0]} {table_name}"] += 1


def top_costs(profiler: cProfile.Profile, limit: int = 25) -> str:
    stats = pstats.Stats(profiler).strip_dirs()
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _callers) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:limit]:
        rows.append([f"`{filename}:{line}({func})`", nc, f"{tt:.2f}", f"{ct:.2f}"])
    return table(["function (self time order)", "calls", "self s", "cumulative s"], rows)


def project_cumulative(profiler: cProfile.Profile, total: float) -> str:
    """Cumulative time of the project's own federation/node functions: where the pull spends its time."""
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        if "/federation/" in filename or "/node/" in filename:
            short = filename[filename.index("/federation/") + 1:] if "/federation/" in filename else filename[filename.index("/node/") + 1:]
            rows.append((ct, [f"`{short}:{func}`", nc, f"{ct:.2f}", f"{100 * ct / total:.0f}%"]))
    rows.sort(key=lambda r: -r[0])
    return table(["project function", "calls", "cumulative s", "share of pull"], [r[1] for r in rows[:22]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process breakdown and profile")
    parser.add_argument("--keep", type=Path, help="build the nodes in this directory and leave them there")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="vidensnet-bench-ingest-"))
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        sys.exit(f"{root} is not empty")
    slow_pull = {"VIDENSNET_PULL_SECONDS": "3600"}  # A must not keep retrying B while it is down
    a = b = None
    try:
        progress(f"nodes in {root}")
        a = NodeProcess(root / "a", "Aarhus Kommune", "municipality", municipality="0751", env=slow_pull)
        b = NodeProcess(root / "b", "Randers Kommune", "municipality", municipality="0730", env=slow_pull)
        a.start()
        b.start()
        peer_nodes(a, b)
        b.stop()
        a.stop()
        shutil.copytree(b.home, root / "b-before-sync")  # for the in-process breakdown and profile

        items_file = root / "items.jsonl"
        items_file.write_text("".join(item_lines(0, args.items)), encoding="utf-8")
        progress(f"importing {args.items} items at A (vidensnet import) ...")
        start = time.perf_counter()
        a.cli("import", str(items_file))
        import_seconds = time.perf_counter() - start
        held_at_a = count(a.home, "SELECT count(*) FROM envelopes WHERE origin = ?", a.id)
        assert held_at_a == args.items, held_at_a
        a.start()

        progress("baseline: verifying the same envelopes ...")
        verified, raw_rate, wire_rate = verify_baseline(a.home, a.id)

        progress("timing `vidensnet --home B sync` ...")
        start = time.perf_counter()
        output = b.cli("sync").stdout.strip()
        sync_seconds = time.perf_counter() - start
        held = count(b.home, "SELECT count(*) FROM items WHERE origin = ?", a.id)
        envelopes_held = count(b.home, "SELECT count(*) FROM envelopes WHERE origin = ?", a.id)
        start = time.perf_counter()
        empty_output = b.cli("sync").stdout.strip()
        fixed_seconds = time.perf_counter() - start
        assert held == envelopes_held == args.items, (held, envelopes_held, output)

        ingest_rate = args.items / sync_seconds
        net_rate = args.items / max(sync_seconds - fixed_seconds, 1e-9)
        print(f"## Federation ingest: {args.items} items, A → B over HTTP ({date.today()}, {machine()})\n")
        print(f"`vidensnet sync` on B printed: `{output}`; a second, empty sync: `{empty_output}`.\n")
        print(table(["measure", "value"], [
            ["items published at A (`vidensnet import`)", f"{args.items} in {import_seconds:.1f} s "
                                                           f"({args.items / import_seconds:.0f} items/s)"],
            ["`vidensnet --home B sync` wall time", f"{sync_seconds:.2f} s"],
            ["fixed cost of the command (second, empty sync)", f"{fixed_seconds:.2f} s"],
            ["items held by B afterwards (items / envelopes)", f"{held} / {envelopes_held}"],
            ["**ingest rate** (whole command)", f"**{ingest_rate:.0f} items/s**"],
            ["ingest rate, fixed cost subtracted", f"{net_rate:.0f} items/s"],
            ["baseline: raw Ed25519 verify (cryptography, canonical bytes precomputed)",
             f"{raw_rate:.0f} verifies/s ({verified} signatures)"],
            ["baseline: `federation.wire.open_envelope` (RFC 8785 + decode + verify)", f"{wire_rate:.0f} verifies/s"],
            ["**ratio ingest / raw verify** (goal ≥ 0.5)", f"**{ingest_rate / raw_rate:.3f}**"
                                                          f" ({net_rate / raw_rate:.3f} net of fixed cost)"],
            ["ratio ingest / open_envelope", f"{ingest_rate / wire_rate:.3f} ({net_rate / wire_rate:.3f} net)"],
        ]))
        below = ingest_rate / raw_rate < GOAL
        print(f"\nVerdict: {'BELOW' if below else 'meets'} the goal of {GOAL}.")

        if below and not args.no_profile:
            progress("below goal: in-process pull with timers ...")
            copy = root / "b-timed"
            shutil.copytree(root / "b-before-sync", copy)
            seconds, report, _ = in_process_pull(copy, a.id, profile=False)
            spent = sum(TimedClient.spent.values())
            rows = [[name, TimedClient.calls[name], f"{TimedClient.spent[name]:.2f}",
                     f"{100 * TimedClient.spent[name] / seconds:.0f}%"] for name in sorted(TimedClient.spent)]
            rows.append(["everything else in pull_from_peer (DB reads, verify, validate, store, commit)", "",
                         f"{seconds - spent:.2f}", f"{100 * (seconds - spent) / seconds:.0f}%"])
            print(f"\n### Where the time goes: in-process `pull_from_peer` against A's HTTP server "
                  f"({seconds:.2f} s, {args.items / seconds:.0f} items/s, {dict(report)})\n")
            print("HTTP call times include A's server work and B's JSON decoding.\n")
            print(table(["part", "calls", "seconds", "share"], rows))
            print(f"\nSQL statements B sent to its database during that pull "
                  f"({sum(STATEMENTS.values())}, {sum(STATEMENTS.values()) / args.items:.1f} per item):\n")
            print(table(["statement", "count", "per item"],
                        [[f"`{k}`", v, f"{v / args.items:.2f}"] for k, v in STATEMENTS.most_common()]))

            progress("... and under cProfile (client side; A's server is another process) ...")
            copy = root / "b-profiled"
            shutil.copytree(root / "b-before-sync", copy)
            seconds, report, profiler = in_process_pull(copy, a.id, profile=True, cap=min(args.items, PROFILE_ITEMS))
            print(f"\n### cProfile of the same pull in B's process, first {sum(report.values())} items "
                  f"({seconds:.2f} s under the profiler)\n")
            print(project_cumulative(profiler, seconds))
            print()
            print(top_costs(profiler))
    finally:
        for node in (a, b):
            if node is not None:
                node.stop()
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
