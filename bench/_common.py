"""Shared helpers for the benchmark scripts: real node processes, generated items, Markdown tables.

The node-process logic is a trimmed copy of tests/conftest.py's NodeProcess so the
benchmarks do not depend on pytest; every node listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vidensnet(home: Path, *args: str, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real `vidensnet` CLI (python -m node) against a data directory."""
    result = subprocess.run([sys.executable, "-m", "node", "--home", str(home), *args], input=input,
                            capture_output=True, text=True, timeout=timeout, cwd=REPO)
    if result.returncode != 0:
        raise RuntimeError(f"vidensnet {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


class NodeProcess:
    """A real node: its own data directory and a `vidensnet run` child process on 127.0.0.1."""

    def __init__(self, home: Path, name: str, kind: str, *, municipality: str | None = None,
                 district: str | None = None, env: dict[str, str] | None = None):
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        args = ["init", "--name", name, "--kind", kind, "--url", self.url]
        args += ["--municipality", municipality] if municipality else []
        args += ["--district", district] if district else []
        self.id = re.search(r"Node '([^']+)'", self.cli(*args).stdout).group(1)
        self.proc: subprocess.Popen | None = None

    @classmethod
    def attach(cls, home: Path, env: dict[str, str] | None = None) -> "NodeProcess":
        """A node whose data directory exists already, served on a fresh port (node.json is left alone)."""
        node = cls.__new__(cls)
        settings = json.loads((home / "node.json").read_text(encoding="utf-8"))
        node.home, node.id, node.env, node.proc, node.port = home, settings["id"], env or {}, None, free_port()
        node.url = f"http://127.0.0.1:{node.port}"
        return node

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return vidensnet(self.home, *args, input=input)

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **NODE_ENV, **self.env}
        log = (self.home / "run.log").open("a")
        self.proc = subprocess.Popen([sys.executable, "-m", "node", "--home", str(self.home), "run", "--port",
                                      str(self.port)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vidensnet run exited with {self.proc.returncode}; see {self.home / 'run.log'}")
            try:
                if requests.get(self.url + "/.well-known/vidensnet", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.url} did not answer within 30 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None


def peer_nodes(a: NodeProcess, b: NodeProcess) -> None:
    """Peer two running nodes both ways (as tests/conftest.py does): a adds b, each approves the other."""
    a.cli("peer", "add", b.url)
    a.cli("peer", "approve", b.id)
    b.cli("peer", "approve", a.id)


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
