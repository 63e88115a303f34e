"""Stress test for the crash of docs/known-issues.md: serve the pages of the reproduction in-process, N times.

    .venv/bin/python bench/gc_crash_stress.py [--runs 200] [--walks 5] [--unpaused]

Each run is a fresh Python process with CPython's default young-generation threshold
(700, not the node's raised one) that builds the node's app on a home with the demo
corpus and walks the reproduction's pages (front page, API items, an item page, the
login page, a login, the bulletins) `--walks` times through Flask's test client, with
search degraded (the crash needed neither threads nor the indexing run). A run that
dies by a signal is a crash. `--unpaused` turns the collector pause off, to show the
reproduction still finds the fault without it.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers.live_nodes import DEMO_FILES  # noqa: E402
from tests.helpers.nodes import PASSWORD  # noqa: E402

WALK = """
import contextlib, gc, sys
gc.set_threshold(700, 10, 10)
if sys.argv[3] == "unpaused":
    import node.core.db as db
    db.collector_paused = contextlib.nullcontext
from node.core.config import load_config
from node.web.app import create_app
import os
os.environ["VIDENSNET_HOME"] = sys.argv[1]
app = create_app(load_config())
for _ in range(int(sys.argv[2])):
    client = app.test_client()
    client.get("/")
    items = client.get("/api/v1/items").get_json()["items"]
    client.get("/" + items[0]["url"].split("://", 1)[1].split("/", 1)[1])
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "laeser", "password": sys.argv[4], "csrf_token": token})
    client.get("/bulletiner")
"""


def make_home() -> Path:
    """A node home with the demo corpus and a reader, made with the CLI."""
    home = Path(tempfile.mkdtemp(prefix="gc-stress-")) / "aarhus"

    def cli(*args: str, stdin: str | None = None) -> None:
        subprocess.run([sys.executable, "-m", "node", "--home", str(home), *args], input=stdin, text=True,
                       capture_output=True, check=True, cwd=ROOT)

    cli("init", "--name", "Aarhus Kommune", "--kind", "municipality", "--municipality", "0751",
        "--url", "http://127.0.0.1:1")
    for path in DEMO_FILES:
        cli("import", str(path))
    cli("user", "add", "laeser", "--role", "reader", "--password-stdin", stdin=PASSWORD + "\n")
    return home


def run_once(home: Path, walks: int, paused: bool) -> int:
    """One reproduction in a fresh process; its exit code (negative: killed by that signal)."""
    mode = "paused" if paused else "unpaused"
    return subprocess.run([sys.executable, "-c", WALK, str(home), str(walks), mode, PASSWORD],
                          capture_output=True, cwd=ROOT).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--walks", type=int, default=5)
    parser.add_argument("--unpaused", action="store_true")
    args = parser.parse_args()
    home = make_home()
    crashes, failures, started = 0, 0, time.monotonic()
    for run in range(1, args.runs + 1):
        code = run_once(home, args.walks, not args.unpaused)
        crashes += code < 0
        failures += code > 0
        print(f"run {run}: exit {code}  crashes {crashes}/{run}  other failures {failures}", flush=True)
    print(f"{crashes} crashes in {args.runs} runs ({args.walks} walks each, threshold 700, "
          f"{'unpaused' if args.unpaused else 'paused'}), {failures} other failures, "
          f"{time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
