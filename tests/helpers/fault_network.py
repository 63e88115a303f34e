"""Ten real nodes peered like a corner of the Danish network, five of them reached through a TCP proxy.

Six municipalities in two police districts (Østjylland: Aarhus, Randers, Favrskov, Syddjurs;
Midt- og Vestjylland: Silkeborg, Viborg), the two district nodes and two national nodes. Each
municipality peers with its district node, the district nodes with the national ones, the nationals
with each other, plus the neighbours Aarhus–Favrskov and, across the district border, Favrskov–Silkeborg.

A proxied node is initialised with the proxy's address as its URL, so its descriptor carries that
address and every peer reaches it only through the proxy (peers take a node's URL from its descriptor,
federation/peering.py): a fault on the proxy hits every connection *to* that node, while its own pulls
from peers that are not proxied still go out (an asymmetric partition; kill -9 cuts a node entirely).

Nodes run without Meilisearch (search's database-only mode), as in the benchmarks: ten Meilisearch
servers would crowd a small machine, and a killed node would leave its Meilisearch child behind.
Used by tests/federation/test_faults.py and bench/fault_soak.py; standard library and the harness only.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from deploy.local_federation import ChildNode, free_port, peer, stop_all
from federation.audience import NodeView
from tests.helpers.tcp_proxy import TcpProxy

OST, MIDTVEST = "Østjyllands Politi", "Midt- og Vestjyllands Politi"
PULL_SECONDS = 2
NODE_ENV = {
    "VIDENSNET_PULL_SECONDS": str(PULL_SECONDS),
    "VIDENSNET_MEILISEARCH_BIN": "/nonexistent/meilisearch-off-for-fault-tests",
}


@dataclass(frozen=True)
class NodeSpec:
    """One node of the topology: its id, name, kind and place, and whether peers reach it through a proxy."""

    id: str
    name: str
    kind: str
    municipality: str | None = None
    district: str | None = None
    proxied: bool = False

    @property
    def view(self) -> NodeView:
        """The node as the audience rule sees it."""
        return NodeView(self.id, self.kind, self.municipality, self.district)


TOPOLOGY = (
    NodeSpec("aarhus-kommune", "Aarhus Kommune", "municipality", municipality="0751"),
    NodeSpec("randers-kommune", "Randers Kommune", "municipality", municipality="0730"),
    NodeSpec("favrskov-kommune", "Favrskov Kommune", "municipality", municipality="0710", proxied=True),
    NodeSpec("syddjurs-kommune", "Syddjurs Kommune", "municipality", municipality="0706", proxied=True),
    NodeSpec("silkeborg-kommune", "Silkeborg Kommune", "municipality", municipality="0740", proxied=True),
    NodeSpec("viborg-kommune", "Viborg Kommune", "municipality", municipality="0791"),
    NodeSpec("oestjyllands-politi", OST, "police", district=OST, proxied=True),
    NodeSpec("midt-og-vestjyllands-politi", MIDTVEST, "police", district=MIDTVEST),
    NodeSpec("dkr", "Det Kriminalpræventive Råd", "national", proxied=True),
    NodeSpec("ssp-samraadet", "SSP-Samrådet", "national"),
)
PEERINGS = (
    *((m, "oestjyllands-politi") for m in ("aarhus-kommune", "randers-kommune", "favrskov-kommune",
                                           "syddjurs-kommune")),
    *((m, "midt-og-vestjyllands-politi") for m in ("silkeborg-kommune", "viborg-kommune")),
    ("oestjyllands-politi", "dkr"), ("midt-og-vestjyllands-politi", "dkr"),
    ("midt-og-vestjyllands-politi", "ssp-samraadet"), ("dkr", "ssp-samraadet"),
    ("aarhus-kommune", "favrskov-kommune"), ("favrskov-kommune", "silkeborg-kommune"),
)


class FaultNode(ChildNode):
    """A node of the fault network: served on its own port, known to its peers by `advertised_url`."""

    def __init__(self, home: Path, spec: NodeSpec, port: int, proxy: TcpProxy | None):
        super().__init__(home, port=port, env=NODE_ENV, start_timeout=90)
        self.spec, self.proxy = spec, proxy
        self.advertised_url = proxy.url if proxy else self.url

    def create(self) -> None:
        """`vidensnet init` with the advertised URL (the proxy's, for a proxied node)."""
        s = self.spec
        args = ["init", "--name", s.name, "--kind", s.kind, "--url", self.advertised_url, "--id", s.id]
        args += ["--municipality", s.municipality] if s.municipality else []
        args += ["--district", s.district] if s.district else []
        self.cli(*args)
        self._peers = set()

    def crash(self) -> None:
        """kill -9 the `run` process, as a power cut would."""
        self.kill()

    def rows(self, sql: str, *args) -> list[tuple]:
        """Rows from the node's own SQLite database (read while it runs, as WAL allows)."""
        with sqlite3.connect(self.home / "vidensnet.db", timeout=30) as db:
            return db.execute(sql, args).fetchall()


class FaultNetwork:
    """The nodes, their proxies and the peerings of TOPOLOGY, in a root directory."""

    def __init__(self, root: Path, seed: int = 0):
        self.root = Path(root)
        self.proxies: dict[str, TcpProxy] = {}
        self.nodes: dict[str, FaultNode] = {}
        ports = _distinct_free_ports(len(TOPOLOGY))
        for n, (spec, port) in enumerate(zip(TOPOLOGY, ports)):
            proxy = _proxy_to(port, avoiding=ports, seed=seed + n) if spec.proxied else None
            self.nodes[spec.id] = FaultNode(self.root / spec.id, spec, port, proxy)
            if proxy:
                self.proxies[spec.id] = proxy

    @property
    def views(self) -> dict[str, NodeView]:
        """Every node as the audience rule sees it."""
        return {spec.id: spec.view for spec in TOPOLOGY}

    def neighbours(self) -> dict[str, set[str]]:
        """Who peers with whom (both ways)."""
        graph: dict[str, set[str]] = {spec.id: set() for spec in TOPOLOGY}
        for a, b in PEERINGS:
            graph[a].add(b)
            graph[b].add(a)
        return graph

    def start(self) -> None:
        """Create every node, start them side by side and peer them (CLI calls two at a time: two cores)."""
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(FaultNode.create, self.nodes.values()))
        for node in self.nodes.values():
            node.launch()
        for node in self.nodes.values():
            node.wait_until_serving()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda pair: peer(self.nodes[pair[0]], self.nodes[pair[1]]), PEERINGS))

    def heal(self) -> None:
        """End every fault: proxies pass, and nodes that are down start again."""
        for proxy in self.proxies.values():
            proxy.pass_through()
        down = [node for node in self.nodes.values() if not node.running]
        for node in down:
            node.launch()
        for node in down:
            node.wait_until_serving()

    def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL) and close the proxies."""
        stop_all(self.nodes.values())
        for proxy in self.proxies.values():
            proxy.close()

    def peak_rss_mb(self) -> dict[str, float]:
        """The peak resident memory of each running node process so far, in MB (VmHWM in Linux /proc)."""
        sizes = {}
        for node_id, node in self.nodes.items():
            if node.running:
                sizes[node_id] = _rss_mb(node.proc.pid)
        return sizes


def _distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def _proxy_to(port: int, avoiding: list[int], seed: int) -> TcpProxy:
    # A node's port is free until the node starts: a proxy must not take one of them meanwhile.
    while True:
        proxy = TcpProxy(port, seed=seed)
        if proxy.port not in avoiding:
            return proxy.start()
        proxy.close()


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0

