"""Shared helpers for the benchmark scripts: real node processes, generated items, Markdown tables.

Node processes come from the harness the tests and the demo use too (deploy/local_federation.py),
without pytest; every node listens on 127.0.0.1 only. The scripts are run as `python bench/x.py`,
so this module puts the repository root on sys.path for `node`, `federation`, `search` and `deploy`.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from deploy.local_federation import ChildNode, peer  # noqa: E402
from federation.identity import generate_node_key  # noqa: E402
from node.core.config import NodeSettings, load_config, write_settings  # noqa: E402
from node.core.db import make_engine, make_sessionmaker, upgrade_database  # noqa: E402
from node.items.files import import_items  # noqa: E402
from node.items.publishing import ActingNode  # noqa: E402
from node.process import item_sinks  # noqa: E402

CLI_TIMEOUT = 600  # seconds; imports and syncs of 100,000 items are slow on a small machine

# Node processes run without Meilisearch (search's degraded, database-only mode), so that indexing
# does not compete with the federation work being measured; see docs/benchmarks.md.
NODE_ENV = {"VIDENSNET_MEILISEARCH_BIN": "/nonexistent/meilisearch-off-for-benchmarks"}

MUNICIPALITY_CODES = ("0751", "0730", "0101", "0461", "0851")
TARGET_GROUPS = ("børn 6-12 år", "unge 13-17 år", "unge voksne 18-25 år", "forældre og familie")
COOPERATION = ("SSP", "PSP", "KSP")

BODY = (
    "## Baggrund\n\nIndsatsen blev sat i gang efter en stigning i uro omkring busterminalen om aftenen. "
    "SSP-konsulenterne, klubberne og lokalpolitiet aftalte en fælles vagtplan.\n\n"
    "## Sådan gør vi\n\n1. Fredag og lørdag aften går to voksne en fast rute.\n"
    "2. Klubben holder åbent til kl. 23.\n3. Politiet deltager i et månedligt statusmøde.\n\n"
    "## Erfaringer\n\nAnmeldelserne faldt i de første seks måneder, og de unge bruger klubben mere. "
)


def generated_item(n: int, audience: object = "public") -> dict:
    """A realistic practice item (about 1 KB of JSON), deterministic in n."""
    return {
        "id": f"bench-{n:06d}",
        "type": "practice",
        "title": f"Natteravne ved busterminalen nr. {n}",
        "summary": "Voksne på gaden fredag og lørdag aften i samarbejde med klub og politi.",
        "body": BODY + f"Opgjort for område {n % 97}.",
        "audience": audience,
        "tags": ["natteravne", "nattteliv", f"tag-{n % 13}"],
        "municipalities": [MUNICIPALITY_CODES[n % len(MUNICIPALITY_CODES)]],
        "target_groups": [TARGET_GROUPS[n % len(TARGET_GROUPS)]],
        "cooperation": [COOPERATION[n % len(COOPERATION)]],
        "prevention_level": "forebyggende",
    }


def item_lines(start: int, stop: int) -> list[str]:
    return [json.dumps(generated_item(n), ensure_ascii=False) + "\n" for n in range(start, stop)]


class NodeProcess(ChildNode):
    """A benchmark node: `vidensnet init` in `home`, served on 127.0.0.1 without Meilisearch unless `env` says
    otherwise; its CLI commands (imports of 100,000 items) may take up to ten minutes."""

    def __init__(self, home: Path, name: str, kind: str, *, municipality: str | None = None,
                 district: str | None = None, env: dict[str, str] | None = None):
        super().__init__(home, env={**NODE_ENV, **(env or {})}, cli_timeout=CLI_TIMEOUT)
        self.init(name, kind, municipality=municipality, district=district)

    @classmethod
    def attach(cls, home: Path, env: dict[str, str] | None = None) -> "NodeProcess":
        """A node whose data directory exists already, served on a fresh port (node.json is left alone)."""
        node = cls.__new__(cls)
        ChildNode.__init__(node, home, env={**NODE_ENV, **(env or {})}, cli_timeout=CLI_TIMEOUT)
        return node


IMPORT_CHUNK = 2000  # items per import_items transaction when building a node


def build_node(home: Path, settings: NodeSettings, size: int, line: Callable[[int], str],
               database_url: str | None = None):
    """Create a node's data directory and publish `size` items, line(n), through import_items in chunks.

    Every item is signed into the changes feed as `vidensnet import` would; progress goes to stderr.
    The database is the node's own (SQLite in `home`) unless `database_url` names another.
    Returns the seconds the import took and a sessionmaker for the node's database.
    """
    write_settings(home, settings)
    key = generate_node_key(home / "keys")
    url = database_url or load_config(home).database_url
    upgrade_database(url)
    sessions = make_sessionmaker(make_engine(url))
    by = ActingNode(settings.id, item_sinks(key))
    start = time.perf_counter()
    for first in range(0, size, IMPORT_CHUNK):
        done = min(size, first + IMPORT_CHUNK)
        with sessions.begin() as session:
            import_items(session, by, [line(n) for n in range(first, done)])
        elapsed = time.perf_counter() - start
        progress(f"  {done:>7}/{size} items ({elapsed:.0f} s, {done / elapsed:.0f} items/s,"
                 f" about {(size - done) * elapsed / done:.0f} s left)")
    return time.perf_counter() - start, sessions


# Peer two running nodes both ways, as the tests do: a adds b, each approves the other.
peer_nodes = peer


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    """The machine and the code measured, for the report's heading."""
    try:
        revision = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True,
                                  text=True, timeout=10).stdout.strip() or "unknown"
    except OSError:
        revision = "unknown"
    return (f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
            f"code {revision}")


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def progress(message: str) -> None:
    """Progress goes to stderr so stdout stays a clean Markdown report."""
    print(message, file=sys.stderr, flush=True)


def reused_or_built(home: Path, size: int, build) -> float:
    """Seconds the node in `home` took to build: read from its build.json when one was kept, else `build()` now."""
    if (home / "build.json").exists():
        seconds = json.loads((home / "build.json").read_text())["seconds"]
        progress(f"reusing the {size}-item node in {home} (built in {seconds:.0f} s)")
        return seconds
    shutil.rmtree(home, ignore_errors=True)
    progress(f"building a node with {size} items in {home} ...")
    return build()
