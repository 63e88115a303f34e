"""A long fault soak on the ten-node network of tests/federation/test_faults.py, with the same invariants.

The network, the proxies, the random operations and the checks are the test's
(tests/helpers/fault_network.py, fault_run.py, fault_ledger.py). The soak alternates fault windows
(random operations, proxies dropping, delaying and partitioning, kill -9 and restarts) with settling:
the faults stop and every node must hold exactly what its audiences allow within a bounded number of
pull intervals. Every other settling is quiet (no new item after the faults, so peers that backed off
come back only on their own backoff schedule, §18); the others end with one new item per node, whose
notify wakes the peers at once, as ordinary traffic would. At the end `vidensnet export` of every node
is checked for duplicates. Prints a Markdown report; progress goes to stderr.

    python bench/fault_soak.py --minutes 30 [--window 120] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import machine, progress, table

from tests.helpers.fault_network import PULL_SECONDS, FaultNetwork
from tests.helpers.fault_run import FaultRun

WOKEN_INTERVALS = 60  # pull intervals a settling may take when every node publishes after the faults
# Quiet: a peer backing off may wait up to 5 x 2^(n-1) s after its n-th failed pull; a window of a few minutes
# can reach n = 6 or 7 (160-320 s), so the bound is the backoff's, not the pull interval's.
QUIET_INTERVALS = 300


def soak(minutes: float, window: float, seed: int, root: Path) -> tuple[FaultRun, list[list[object]], dict, float]:
    """Fault windows and settlings until `minutes` have passed.

    Returns the run, one row per settling, each node's peak RSS in MB (the largest of its processes seen at a
    settling) and the seconds the soak took.
    """
    network = FaultNetwork(root / "nodes", seed=seed)
    rows: list[list[object]] = []
    peak: dict[str, float] = {}
    started = time.monotonic()
    try:
        network.start()
        run = FaultRun(network, seed, root, say=progress)
        deadline = started + minutes * 60
        while time.monotonic() < deadline:
            steps, faults = run.steps, sum(run.faults.values())
            run.run(min(window, max(10.0, deadline - time.monotonic())))
            quiet = len(rows) % 2 == 0
            settled = run.settle(QUIET_INTERVALS if quiet else WOKEN_INTERVALS, wake=not quiet)
            for node_id, mb in network.peak_rss_mb().items():
                peak[node_id] = max(peak.get(node_id, 0.0), mb)
            rows.append([len(rows) + 1, run.steps - steps, sum(run.faults.values()) - faults,
                         "quiet" if quiet else "woken", f"{settled:.1f}", f"{settled / PULL_SECONDS:.1f}"])
            progress(f"settling {len(rows)}: {rows[-1]}")
        run.check_exports()
        return run, rows, peak, time.monotonic() - started
    finally:
        network.stop()


def main() -> None:
    """Soak and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--window", type=float, default=120, help="seconds of faults before each settling")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that the nodes are stopped on the way out
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    with tempfile.TemporaryDirectory(prefix="fault-soak-") as tmp:
        run, rows, peak, seconds = soak(args.minutes, args.window, seed, Path(tmp))
    print(f"# Fault soak, {seconds / 60:.0f} minutes ({machine()})\n")
    print(f"seed {seed}, {len(run.network.nodes)} nodes, {run.steps} steps; operations "
          f"{_counts(run.ledger.counts, ('publish', 'update', 'narrow', 'retract'))}; faults {_counts(run.faults)}; "
          f"{len(run.ledger.items)} items, {len(run.ledger.live())} live at the end; connections through the "
          f"proxies: {_counts(_proxy_counts(run))}.\n")
    print(table(["settling", "steps before", "faults before", "after the faults", "seconds to settle",
                 "pull intervals"], rows))
    for kind in ("quiet", "woken"):
        times = [float(r[4]) for r in rows if r[3] == kind]
        if times:
            print(f"\n{kind}: median {statistics.median(times):.1f} s, max {max(times):.1f} s to settle")
    print("\npeak RSS per node (MB, VmHWM read at each settling): "
          + ", ".join(f"{k} {v:.0f}" for k, v in sorted(peak.items())))


def _proxy_counts(run: FaultRun) -> Counter:
    counts: Counter = Counter()
    for proxy in run.network.proxies.values():
        counts.update(vars(proxy.counts))
    return counts


def _counts(counts, keys=None) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v and (keys is None or k in keys))


if __name__ == "__main__":
    main()
