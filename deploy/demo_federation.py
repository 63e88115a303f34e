"""Start the demo federation on 127.0.0.1: two municipalities, their police district and a national node.

Run by deploy/demo.sh. Each node is a real `vidensnet run` process with its own
data directory under var/demo/ (or the directory given with --data); the demo
corpus is published by the node that would really author it, and travels to the
others through the federation. The nodes are started, peered and stopped by the
harness the tests and benchmarks use too (deploy/local_federation.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy.local_federation import ChildNode, CommandFailed, NodeFailed, peer, start_all, stop_all  # noqa: E402

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
    municipality: str | None = None
    district: str | None = None


NODES = (
    DemoNode("aarhus-kommune", "Aarhus Kommune", "municipality", 8081, "aarhus-kommune.jsonl", municipality="0751"),
    DemoNode("randers-kommune", "Randers Kommune", "municipality", 8082, "randers-kommune.jsonl", municipality="0730"),
    DemoNode("oestjyllands-politi", "Østjyllands Politi", "police", 8083, "ostjyllands-politi.jsonl",
             district="Østjyllands Politi"),
    DemoNode("dkr", "Det Kriminalpræventive Råd", "national", 8084, "dkr.jsonl"),
)
PEERINGS = (("aarhus-kommune", "oestjyllands-politi"), ("randers-kommune", "oestjyllands-politi"),
            ("oestjyllands-politi", "dkr"))


def node_for(demo: DemoNode, data: Path) -> ChildNode:
    """The demo node's data directory, initialised with its demo accounts the first time."""
    env = {"VIDENSNET_PULL_SECONDS": os.environ.get("VIDENSNET_PULL_SECONDS", "10")}
    node = ChildNode(data / demo.id, port=demo.port, env=env, cli_timeout=None)
    if not node.initialised:
        node.init(demo.name, demo.kind, node_id=demo.id, municipality=demo.municipality, district=demo.district)
        for username, role in USERS:
            node.add_user(username, role, PASSWORD)
    return node


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEMO_DIR, help="the nodes' data directories (default: var/demo)")
    data = parser.parse_args().data.resolve()
    nodes: dict[str, ChildNode] = {}
    try:
        for demo in NODES:
            nodes[demo.id] = node_for(demo, data)
        start_all(nodes.values())
        for a, b in PEERINGS:
            peer(nodes[a], nodes[b])
        for demo in NODES:
            print(nodes[demo.id].cli("import", str(CORPUS / demo.corpus)).stdout.strip())
        print("\nVidensnet demo-føderation kører på 127.0.0.1:\n")
        for demo in NODES:
            print(f"  {demo.name:<28} {nodes[demo.id].url}/")
        print(f"\nLog ind på hver node som admin, redaktoer (udgiver) eller laeser; adgangskode: {PASSWORD}")
        print("Emner rejser mellem noderne inden for få sekunder; en kredsbulletin bliver i Østjyllands Politis kreds.")
        shown = data.relative_to(ROOT) if data.is_relative_to(ROOT) else data
        print(f"Stop med Ctrl+C. Data ligger i {shown}/ (slet mappen for at starte forfra).\n")
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except (CommandFailed, NodeFailed) as failure:
        sys.exit(str(failure))
    finally:
        stop_all(nodes.values())


if __name__ == "__main__":
    main()
