"""`vidensnet import` of N new items against the raw Ed25519 sign rate measured in the same round.

    .venv/bin/python bench/import_speed.py [--items 10000] [--rounds 5] [--keep DIR]

Each round imports N generated practice items (about 1 KB each, `_common.generated_item`) into a fresh
copy of a node's data directory made with `vidensnet init`: one real `vidensnet import` process, which
checks every line (schema, anonymisation guard), signs every item, and writes items, terms, changes
feed and search outbox in one transaction. The command prints how long checking and signing took and
how long the write transaction took; their sum is the import's own time, the command's wall time adds
interpreter start-up. Baseline, in the same round just before and just after the import (the mean of
the two): Ed25519 signatures with `cryptography` over the canonical bytes of the same N items, prepared
beforehand, one after the other in one thread. Goal (issue 18): import ≥ 0.1 × the sign rate.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from _common import NodeProcess, generated_item, item_lines, machine, median, progress, table
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.core.canonical import canonical_json

GOAL = 0.1


def sign_baseline(payloads: list[bytes]) -> float:
    """Raw Ed25519 signatures per second over prepared canonical bytes."""
    key = Ed25519PrivateKey.generate()
    start = time.perf_counter()
    for data in payloads:
        key.sign(data)
    return len(payloads) / (time.perf_counter() - start)


def measure_round(root: Path, items_file: Path, payloads: list[bytes], number: int) -> dict:
    """One import into a fresh copy of the initialised node, between two sign-rate measurements."""
    home = root / f"round-{number}"
    shutil.copytree(root / "initialised", home)
    before = sign_baseline(payloads)
    progress(f"round {number}: `vidensnet import` of {len(payloads)} items ...")
    start = time.perf_counter()
    result = NodeProcess.attach(home).cli("import", str(items_file))
    wall = time.perf_counter() - start
    after = sign_baseline(payloads)
    with sqlite3.connect(home / "vidensnet.db") as db:
        held, feed = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "envelopes"))
    assert held == feed == len(payloads), (held, feed, result.stdout)
    prepare = float(re.search(r"signeret på ([0-9.]+) s", result.stderr).group(1))
    write = float(re.search(r"Skrivetransaktionen tog ([0-9.]+) s", result.stderr).group(1))
    shutil.rmtree(home)
    return {"round": number, "prepare": prepare, "write": write, "wall": wall, "sign": (before + after) / 2,
            "signs": (before, after)}


def report(rounds: list[dict], items: int) -> str:
    """The Markdown report: one row per round and the median ratio."""
    rows = []
    for r in rounds:
        rate, whole = items / (r["prepare"] + r["write"]), items / r["wall"]
        rows.append([r["round"], f"{r['prepare']:.2f} s", f"{r['write']:.2f} s", f"{r['wall']:.2f} s",
                     f"{rate:.0f} items/s", f"{r['sign']:.0f}/s ({r['signs'][0]:.0f} / {r['signs'][1]:.0f})",
                     f"**{rate / r['sign']:.3f}**", f"{whole:.0f} items/s ({whole / r['sign']:.3f})"])
    ratio = median([items / (r["prepare"] + r["write"]) / r["sign"] for r in rounds])
    header = ["round", "check and sign", "write transaction", "command wall time", "import rate",
              "raw Ed25519 sign, same round (before / after)", "**ratio**", "rate of the whole command (ratio)"]
    verdict = "met" if ratio >= GOAL else "not met"
    return "\n\n".join([f"#### Import: {items} items ({time.strftime('%Y-%m-%d')}, {machine()})",
                        table(header, rows), f"Median ratio **{ratio:.3f}** (goal ≥ {GOAL}: {verdict})."])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work in this directory and leave it there")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="vidensnet-bench-import-"))
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        sys.exit(f"{root} is not empty")
    try:
        NodeProcess(root / "initialised", "Aarhus Kommune", "municipality", municipality="0751")
        items_file = root / "items.jsonl"
        items_file.write_text("".join(item_lines(0, args.items)), encoding="utf-8")
        payloads = [canonical_json(generated_item(n)) for n in range(args.items)]
        rounds = [measure_round(root, items_file, payloads, n) for n in range(1, args.rounds + 1)]
        print(report(rounds, args.items))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
