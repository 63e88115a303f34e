"""How fast a node pulls its honest peer while a hostile peer trickles its answers, against no hostile peer.

Three real node processes on 127.0.0.1 (no Meilisearch): Aarhus pulls Randers;
in the second half of the run Aarhus is also peered with the suite's hostile
peer (tests/helpers/hostile_peer.py) in `slow` mode, which holds every call
open until the caller's deadline. Each round Randers imports a batch of items
and the time until Aarhus holds all of them is measured. The figure is the
ratio of the items-per-second rates with and without the hostile peer, in one
run (the issue's goal: at least 0.9).

    python bench/hostile_peer_pull.py [--rounds 5] [--batch 200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import NodeProcess, item_lines, machine, median, peer_nodes, table

from deploy.local_federation import REPO, free_port, stop_all, wait_until_serving

ENV = {"VIDENSNET_PULL_SECONDS": "2", "VIDENSNET_PEER_DEADLINE_SECONDS": "120"}


def held(node: NodeProcess, prefix: str) -> int:
    out = node.cli("export").stdout
    return sum(1 for line in out.splitlines() if f'"randers-kommune:{prefix}' in line)


def round_trip(randers: NodeProcess, aarhus: NodeProcess, tmp: Path, start: int, batch: int) -> float:
    """Seconds from Randers' import of `batch` new items until Aarhus holds them all."""
    path = tmp / f"batch-{start}.jsonl"
    path.write_text("".join(item_lines(start, start + batch)), encoding="utf-8")
    randers.cli("import", str(path))
    began = time.monotonic()
    while held(aarhus, "bench-") < start + batch:
        if time.monotonic() - began > 300:
            raise RuntimeError("Aarhus did not receive the batch within 300 s")
        time.sleep(0.2)
    return time.monotonic() - began


def start_hostile(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "tests.helpers.hostile_peer", "--port", str(port),
                             "--mode", "slow"], cwd=REPO)
    wait_until_serving(f"http://127.0.0.1:{port}/.well-known/vidensnet", proc, timeout=30)
    return proc


def measure(rounds: int, batch: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        aarhus = NodeProcess(tmp / "aarhus", "Aarhus Kommune", "municipality", municipality="0751", env=ENV)
        randers = NodeProcess(tmp / "randers", "Randers Kommune", "municipality", municipality="0730", env=ENV)
        hostile = None
        try:
            for node in (aarhus, randers):
                node.start()
            peer_nodes(aarhus, randers)
            honest = [round_trip(randers, aarhus, tmp, n * batch, batch) for n in range(rounds)]
            port = free_port()
            hostile = start_hostile(port)
            aarhus.cli("peer", "add", f"http://127.0.0.1:{port}")
            aarhus.cli("peer", "approve", "fjendtlig-kommune")
            time.sleep(3)  # its pull is under way and stuck by now
            under_attack = [round_trip(randers, aarhus, tmp, (rounds + n) * batch, batch) for n in range(rounds)]
            return honest, under_attack
        finally:
            if hostile is not None:
                hostile.kill()
            stop_all([aarhus, randers])


def main() -> None:
    """Measure and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    honest, under_attack = measure(args.rounds, args.batch)
    rate = lambda seconds: args.batch / median(seconds)  # noqa: E731
    print(f"# Pulling an honest peer with and without a hostile one ({machine()})\n")
    print(table(["", "median s per batch", "items/s"], [
        ["without the hostile peer", f"{median(honest):.2f}", f"{rate(honest):.0f}"],
        ["with the hostile peer (slow)", f"{median(under_attack):.2f}", f"{rate(under_attack):.0f}"],
    ]))
    print(f"\nratio (with / without): {rate(under_attack) / rate(honest):.2f}")


if __name__ == "__main__":
    main()
