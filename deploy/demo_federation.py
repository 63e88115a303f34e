"""Start the demo federation on 127.0.0.1: two municipalities, their police district and a national node.

Run by deploy/demo.sh. Each node is a real `vidensnet run` process with its own
data directory under var/demo/; the demo corpus is published by the node that
would really author it, and travels to the others through the federation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "var" / "demo"
CORPUS = ROOT / "node" / "demo"
PASSWORD = "vidensnet-demo"
USERS = (("admin", "admin"), ("redaktoer", "publisher"), ("laeser", "reader"))


@dataclass(frozen=True)
class DemoNode:
    id: str
    name: str
    kind: str
    port: int
    corpus: str
    where: tuple[str, ...]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def home(self) -> Path:
        return DEMO_DIR / self.id


NODES = (
    DemoNode("aarhus-kommune", "Aarhus Kommune", "municipality", 8081, "aarhus-kommune.jsonl", ("--municipality", "0751")),
    DemoNode("randers-kommune", "Randers Kommune", "municipality", 8082, "randers-kommune.jsonl", ("--municipality", "0730")),
    DemoNode("oestjyllands-politi", "Østjyllands Politi", "police", 8083, "ostjyllands-politi.jsonl",
             ("--district", "Østjyllands Politi")),
    DemoNode("dkr", "Det Kriminalpræventive Råd", "national", 8084, "dkr.jsonl", ()),
)
PEERINGS = (("aarhus-kommune", "oestjyllands-politi"), ("randers-kommune", "oestjyllands-politi"),
            ("oestjyllands-politi", "dkr"))


def cli(node: DemoNode, *args: str, input: str | None = None) -> str:
    """Run the vidensnet CLI for one demo node and return its output."""
    result = subprocess.run([sys.executable, "-m", "node", "--home", str(node.home), *args],
                            input=input, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"vidensnet {' '.join(args)} ({node.id}) failed:\n{result.stderr}")
    return result.stdout


def create(node: DemoNode) -> None:
    """Initialise the node and its demo accounts, once."""
    if (node.home / "node.json").exists():
        return
    cli(node, "init", "--id", node.id, "--name", node.name, "--kind", node.kind, "--url", node.url, *node.where)
    for username, role in USERS:
        cli(node, "user", "add", username, "--role", role, "--password-stdin", input=PASSWORD + "\n")


def start(node: DemoNode) -> subprocess.Popen:
    """Start serving the node, logging to its data directory."""
    env = {**os.environ, "VIDENSNET_PULL_SECONDS": os.environ.get("VIDENSNET_PULL_SECONDS", "10")}
    log = (node.home / "run.log").open("a")
    return subprocess.Popen([sys.executable, "-m", "node", "--home", str(node.home), "run", "--port", str(node.port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_until_serving(node: DemoNode, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(node.url + "/.well-known/vidensnet", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{node.name} did not start; see {node.home / 'run.log'}")


def peer(a: DemoNode, b: DemoNode) -> None:
    """Peer two running nodes both ways, unless they already are."""
    states = {p["id"]: p["status"] for p in json.loads(cli(a, "peer", "list", "--json"))}
    if b.id not in states:
        cli(a, "peer", "add", b.url)
    cli(a, "peer", "approve", b.id)
    cli(b, "peer", "approve", a.id)


def main() -> None:
    by_id = {n.id: n for n in NODES}
    for node in NODES:
        create(node)
    processes = [start(node) for node in NODES]
    try:
        for node in NODES:
            wait_until_serving(node)
        for a, b in PEERINGS:
            peer(by_id[a], by_id[b])
        for node in NODES:
            print(cli(node, "import", str(CORPUS / node.corpus)).strip())
        print("\nVidensnet demo-føderation kører på 127.0.0.1:\n")
        for node in NODES:
            print(f"  {node.name:<28} {node.url}/")
        print(f"\nLog ind på hver node som admin, redaktoer (udgiver) eller laeser; adgangskode: {PASSWORD}")
        print("Emner rejser mellem noderne inden for få sekunder; en kredsbulletin bliver i Østjyllands Politis kreds.")
        print("Stop med Ctrl+C. Data ligger i var/demo/ (slet mappen for at starte forfra).\n")
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
