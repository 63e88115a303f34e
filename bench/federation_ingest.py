"""Federation ingest rate between two real nodes, against the raw Ed25519 verify rate.

    .venv/bin/python bench/federation_ingest.py [--items 10000] [--rounds 5] [--no-profile] [--keep DIR [--reuse]]

Node A (`vidensnet run` on 127.0.0.1) publishes N generated items through
`vidensnet import`; node B is a second real node, peered and approved both ways,
whose `run` process is stopped. Each round copies B's data directory as it was
before any sync and times `vidensnet --home <copy> sync` (a fresh process: one
pull of everything from A over HTTP). `sync` prints how long the pull itself
took; the command's wall time (interpreter start-up, schema check) is reported
too. Baseline, measured in the same round: Ed25519 verification of the same N
envelope signatures over their RFC 8785 canonical payloads with the
cryptography library directly, one after the other in one thread, just before
and just after the sync (the mean of the two). The report gives the median of
the rounds.

Each round also reports the CPU seconds per item of A's server process, of B's
`sync` process (less what the empty sync after it costs: start-up and schema
check) and of its verify helper process, read from /proc, and the ratio those
imply at most on two cores: verify time per item / (all three's CPU per item / 2).
`--reuse` takes the nodes a run with `--keep DIR` built, instead of building them again.

If ingest/verify is below the goal (0.5), the same pull is run again in-process
(pull_from_peer against A's HTTP server) with timers around the peer calls and
an SQL statement counter, and under cProfile for the first 2,000 items.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from _common import NODE_ENV, REPO, ChildNode, NodeProcess, item_lines, machine, peer_nodes, progress, table
from _process_cpu import Measured, run_measured, tree_seconds
from sqlalchemy import event

from federation.client import PeerClient
from federation.identity import b64url_decode, public_key_from_text, public_key_text
from federation.replication import pull_from_peer
from federation.wire import canonical
from node.core.config import load_config
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.process import open_process

GOAL = 0.5
PROFILE_ITEMS = 2000  # the profiled pull stops after this many items (the cost per item is flat)


def count(home: Path, sql: str, *args) -> int:
    with sqlite3.connect(home / "vidensnet.db") as db:
        return db.execute(sql, args).fetchone()[0]


def verify_baseline(a_home: Path, origin: str) -> tuple[float, float]:
    """Raw Ed25519 verifies per second over A's stored envelopes (canonical bytes prepared beforehand),
    and the CPU seconds per verify (which other jobs on the machine do not stretch as they do the wall time)."""
    with sqlite3.connect(a_home / "vidensnet.db") as db:
        rows = [json.loads(r[0]) for r in db.execute("SELECT envelope FROM envelopes WHERE origin = ?", (origin,))]
    public = public_key_from_text(public_key_text(open_process(load_config(a_home)).local.key))
    signed = [(b64url_decode(e["signature"]), canonical(e["payload"])) for e in rows]
    start, cpu = time.perf_counter(), time.process_time()
    for signature, data in signed:
        public.verify(signature, data)
    return len(signed) / (time.perf_counter() - start), (time.process_time() - cpu) / len(signed)


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


def in_process_pull(home: Path, peer_id: str, profile: bool,
                    cap: int = 10**12) -> tuple[float, object, cProfile.Profile | None]:
    config = load_config(home)
    upgrade_database(config.database_url)
    engine = make_engine(config.database_url)
    sessions = make_sessionmaker(engine)
    local = open_process(config).local
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
    by_self_time = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:limit]
    for (filename, line, func), (cc, nc, tt, ct, _callers) in by_self_time:
        rows.append([f"`{filename}:{line}({func})`", nc, f"{tt:.2f}", f"{ct:.2f}"])
    return table(["function (self time order)", "calls", "self s", "cumulative s"], rows)


def project_cumulative(profiler: cProfile.Profile, total: float) -> str:
    """Cumulative time of the project's own federation/node functions: where the pull spends its time."""
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        if "/federation/" in filename or "/node/" in filename:
            package = "/federation/" if "/federation/" in filename else "/node/"
            short = filename[filename.index(package) + 1:]
            rows.append((ct, [f"`{short}:{func}`", nc, f"{ct:.2f}", f"{100 * ct / total:.0f}%"]))
    rows.sort(key=lambda r: -r[0])
    return table(["project function", "calls", "cumulative s", "share of pull"], [r[1] for r in rows[:22]])


def timed_sync(home: Path) -> tuple[Measured, float]:
    """`vidensnet --home <home> sync` as the benchmark's nodes run it, with its CPU and its wall time."""
    start = time.perf_counter()
    measured = run_measured([sys.executable, "-m", "node", "--home", str(home), "sync"],
                            {**os.environ, **NODE_ENV}, REPO)
    wall = time.perf_counter() - start
    assert measured.returncode == 0, measured.stderr
    return measured, wall


def measure_round(root: Path, a: NodeProcess, items: int, number: int) -> dict:
    """One `vidensnet sync` of everything into a fresh copy of B, and the raw verify rate right before and after.

    This machine's speed drifts by ±20% within minutes, so the baseline is the mean
    of a measurement just before and one just after the sync.
    """
    home = root / f"b-round-{number}"
    shutil.copytree(root / "b-before-sync", home)
    progress(f"round {number}: baseline before, then `vidensnet --home {home.name} sync` ...")
    rate_before, cpu_before = verify_baseline(a.home, a.id)
    a_before = tree_seconds(a.proc.pid)
    sync, wall = timed_sync(home)
    a_seconds = tree_seconds(a.proc.pid) - a_before
    output = sync.stdout.strip()
    held = count(home, "SELECT count(*) FROM items WHERE origin = ?", a.id)
    envelopes_held = count(home, "SELECT count(*) FROM envelopes WHERE origin = ?", a.id)
    assert held == envelopes_held == items, (held, envelopes_held, output)
    empty_sync, empty = timed_sync(home)
    pull_seconds = float(re.search(r"\(([0-9.]+) s\)", output).group(1))
    progress(f"round {number}: baseline after, verifying the same envelopes ...")
    rate_after, cpu_after = verify_baseline(a.home, a.id)
    shutil.rmtree(home)
    cpu = {"a": a_seconds / items, "main": (sync.own - empty_sync.own) / items,
           "helper": sum(sync.children.values()) / items, "main_whole": sync.own / items,
           "verify": (cpu_before + cpu_after) / 2}
    return {"round": number, "items": items, "output": output, "empty_output": empty_sync.stdout.strip(),
            "wall_seconds": wall, "empty_seconds": empty, "pull_seconds": pull_seconds,
            "raw_rate": (rate_before + rate_after) / 2, "raw_rates": (rate_before, rate_after), "cpu": cpu}


def cpu_ceiling(r: dict, verify_seconds: float | None = None) -> float:
    """The ratio two cores allow at most with this round's CPU per item: verify time / (all CPU per item / 2).

    The verify time is the baseline's wall time per signature unless `verify_seconds` is given.
    """
    total = r["cpu"]["a"] + r["cpu"]["main"] + r["cpu"]["helper"]
    return (verify_seconds or 1 / r["raw_rate"]) / (total / 2)


def cpu_report(rounds: list[dict]) -> str:
    """Where the CPU went in each round, per item, with the two-core ceilings next to the measured ratio."""
    rows = []
    for r in rounds:
        c = r["cpu"]
        total = c["a"] + c["main"] + c["helper"]
        rows.append([r["round"], f"{1e6 * c['a']:.0f}", f"{1e6 * c['main']:.0f} ({1e6 * c['main_whole']:.0f})",
                     f"{1e6 * c['helper']:.0f}", f"{1e6 * total:.0f}",
                     f"{1e6 / r['raw_rate']:.0f} / {1e6 * c['verify']:.0f}",
                     f"{cpu_ceiling(r):.2f} / {cpu_ceiling(r, c['verify']):.2f}",
                     f"**{r['items'] / r['pull_seconds'] / r['raw_rate']:.2f}**"])
    return table(["round", "A's server µs/item", "B's sync main µs/item, less the empty sync (whole command)",
                  "B's verify helper µs/item", "all three µs/item", "raw verify µs/signature (wall / CPU)",
                  "2-core ceiling, verify / (all / 2) (wall / CPU)", "measured ratio"], rows)


SLOW_PULL = {"VIDENSNET_PULL_SECONDS": "3600"}  # A must not keep retrying B while it is down


def build_nodes(root: Path, items: int) -> tuple[NodeProcess, float]:
    """Nodes A (with `items` imported items) and B, peered; B's data directory kept as it was before any sync."""
    a = NodeProcess(root / "a", "Aarhus Kommune", "municipality", municipality="0751", env=SLOW_PULL)
    b = NodeProcess(root / "b", "Randers Kommune", "municipality", municipality="0730", env=SLOW_PULL)
    try:
        a.start()
        b.start()
        peer_nodes(a, b)
    finally:
        b.stop()
        a.stop()
    shutil.copytree(b.home, root / "b-before-sync")  # for the rounds and the in-process breakdown and profile
    items_file = root / "items.jsonl"
    items_file.write_text("".join(item_lines(0, items)), encoding="utf-8")
    progress(f"importing {items} items at A (vidensnet import) ...")
    start = time.perf_counter()
    a.cli("import", str(items_file))
    import_seconds = time.perf_counter() - start
    (root / "build.json").write_text(json.dumps({"items": items, "import_seconds": import_seconds}))
    return a, import_seconds


def reused_nodes(root: Path, items: int) -> tuple[NodeProcess, float]:
    """Node A and B's data directory as a run with --keep left them in `root`."""
    built = json.loads((root / "build.json").read_text())
    if built["items"] != items:
        sys.exit(f"{root} holds {built['items']} items, not {items}")
    progress(f"reusing the nodes in {root}")
    a = NodeProcess.attach(root / "a", env=SLOW_PULL)
    # B knows A at the URL A was initialised with, so A serves on that port again.
    url = json.loads((a.home / "node.json").read_text(encoding="utf-8"))["url"]
    ChildNode.__init__(a, a.home, port=int(url.rsplit(":", 1)[1]), env=a.env, cli_timeout=a.cli_timeout)
    return a, built["import_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process breakdown and profile")
    parser.add_argument("--keep", type=Path, help="build the nodes in this directory and leave them there")
    parser.add_argument("--reuse", action="store_true", help="take the nodes an earlier --keep run left in DIR")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="vidensnet-bench-ingest-"))
    root.mkdir(parents=True, exist_ok=True)
    if args.reuse != (root / "build.json").exists() or (not args.reuse and any(root.iterdir())):
        sys.exit(f"{root}: --reuse needs the nodes of a --keep run there; without it the directory must be empty")
    a = None
    try:
        progress(f"nodes in {root}")
        a, import_seconds = (reused_nodes if args.reuse else build_nodes)(root, args.items)
        held_at_a = count(a.home, "SELECT count(*) FROM envelopes WHERE origin = ?", a.id)
        assert held_at_a == args.items, held_at_a
        a.start()

        rounds = [measure_round(root, a, args.items, k) for k in range(1, args.rounds + 1)]
        pull_rate = statistics.median(r["items"] / r["pull_seconds"] for r in rounds)
        command_rate = statistics.median(r["items"] / r["wall_seconds"] for r in rounds)
        raw_rate = statistics.median(r["raw_rate"] for r in rounds)
        ratio = statistics.median(r["items"] / r["pull_seconds"] / r["raw_rate"] for r in rounds)
        print(f"## Federation ingest: {args.items} items, A → B over HTTP ({date.today()}, {machine()})\n")
        print(f"`vidensnet sync` on B printed (round 1): `{rounds[0]['output']}`; a second, empty sync: "
              f"`{rounds[0]['empty_output']}`. Items published at A with `vidensnet import`: "
              f"{args.items} in {import_seconds:.1f} s ({args.items / import_seconds:.0f} items/s).\n")
        print(table(["round", "pull (printed by sync)", "sync wall time", "empty sync wall time",
                     "ingest rate (pull)", "raw Ed25519 verify, same round (before / after)", "**ratio**",
                     "ingest rate (whole command)"],
                    [[r["round"], f"{r['pull_seconds']:.2f} s", f"{r['wall_seconds']:.2f} s",
                      f"{r['empty_seconds']:.2f} s", f"{r['items'] / r['pull_seconds']:.0f} items/s",
                      f"{r['raw_rate']:.0f} verifies/s ({r['raw_rates'][0]:.0f} / {r['raw_rates'][1]:.0f})",
                      f"**{r['items'] / r['pull_seconds'] / r['raw_rate']:.2f}**",
                      f"{r['items'] / r['wall_seconds']:.0f} items/s "
                      f"({r['items'] / r['wall_seconds'] / r['raw_rate']:.2f})"]
                     for r in rounds]))
        print(f"\nMedian of {len(rounds)} rounds: ingest {pull_rate:.0f} items/s, raw verify {raw_rate:.0f}/s, "
              f"**ratio {ratio:.2f}** (goal ≥ {GOAL}); whole command including start-up {command_rate:.0f} items/s "
              f"({command_rate / raw_rate:.2f}).")
        print("\nCPU per item by process (µs; /proc utime + stime; B's main process less its empty sync):\n")
        print(cpu_report(rounds))
        ceiling = statistics.median(cpu_ceiling(r) for r in rounds)
        idle = statistics.median(cpu_ceiling(r, r["cpu"]["verify"]) for r in rounds)
        print(f"\nMedian 2-core ceiling from the CPU figures: {ceiling:.2f} with the baseline's wall time per verify, "
              f"{idle:.2f} with its CPU time (an otherwise idle machine); measured ratio {ratio:.2f}.")
        below = ratio < GOAL
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
        if a is not None:
            a.stop()
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
