"""The real topology in one process: 98 municipalities, 12 police districts, 3 national nodes.

    .venv/bin/python bench/federation_topology.py [--modes synchronous,sweep] [--max-rounds 12]

Every node is a real Flask app (node.web.app.create_app) on its own SQLite database
in a temporary directory. Nodes call each other through PeerClient with only its
transport replaced: `_call` signs the same JWT and sends the request to the
peer app's test client instead of over a socket. Peering is the production
record_peer + approve_peer on both sides: each municipality with its police
district node and with the next municipality (by code) in the same district,
each police district node with the three national nodes.

Published (import_items, signed into the origin's feed): a public item at
Aarhus, a network item at Bornholm and a district bulletin (audience
{"districts": ["Nordsjællands Politi"]}) at Nordsjællands Politi. Then rounds:
every node pulls every approved peer once (pull_from_peer), until every item is
held by every node that may hold it; the bulletin must never reach a national
node or another district (checked after every round).

Two ways to run a round:
  synchronous  a pull sees only what the peer held when the round began, so a
               round is one hop (≈ one poll interval of the real scheduler);
  sweep        nodes pull one after the other in a fixed order (municipalities
               by code, police, national), seeing everything pulled before them.

Body transfers: every envelope returned by /federation/v1/envelopes is counted
per item; transfers per receiving node = transfers / (holders - origin). Goal ≤ 1.05.
Baseline for the rounds: the item's hop distance (BFS from its origin to the
farthest node that may hold it, through such nodes only) — no pull protocol can
do better in synchronous rounds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from _common import machine, progress, table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deploy.local_federation import INTRODUCERS
from federation.client import USER_AGENT, PeerClient, PeerUnavailable
from federation.identity import generate_node_key, load_node_key
from federation.models import Envelope
from federation.peering import approve_peer, record_peer
from federation.replication import pull_from_peer
from federation.tokens import issue_token
from federation.trust import check_descriptor, own_descriptor
from node.core.config import NodeSettings, load_config, write_settings
from node.core.db import make_engine, upgrade_database
from node.core.geography import municipalities, police_districts
from node.core.ids import slugify
from node.core.models import Item
from node.items.files import import_items
from node.items.publishing import ActingNode
from node.web.app import create_app

NATIONAL = (("dkr", "Det Kriminalpræventive Råd"), ("ssp-samraadet", "SSP-Samrådet"),
            ("socialstyrelsen", "Socialstyrelsen"))
PUBLIC_AT, NETWORK_AT, BULLETIN_DISTRICT = "0751", "0400", "Nordsjællands Politi"  # Aarhus, Bornholm
GOAL_TRANSFERS = 1.05


@dataclass
class Node:
    settings: NodeSettings
    home: Path
    app: object = None
    client: object = None

    @property
    def id(self) -> str:
        return self.settings.id


def topology() -> tuple[list[NodeSettings], list[tuple[str, str]]]:
    """All 113 nodes and the peerings between them."""
    nodes, edges = [], []
    port = iter(range(20000, 30000))  # URLs only name the node; nothing listens and nothing is dialled
    url = lambda: f"http://127.0.0.1:{next(port)}"  # noqa: E731
    by_district = defaultdict(list)
    for code, m in municipalities().items():
        settings = NodeSettings(slugify(m.name) + "-kommune", f"{m.name} Kommune", "municipality", url(), code)
        nodes.append(settings)
        by_district[m.police_district].append(settings.id)
    for district in police_districts():
        police = NodeSettings(slugify(district), district, "police", url(), district=district)
        nodes.append(police)
        members = by_district[district]
        edges += [(m, police.id) for m in members]
        edges += list(zip(members, members[1:]))  # each with the next by code: one or two neighbours
    for node_id, name in NATIONAL:
        nodes.append(NodeSettings(node_id, name, "national", url()))
        edges += [(slugify(d), node_id) for d in police_districts()]
    return nodes, edges


def build(root: Path) -> tuple[dict[str, Node], list[tuple[str, str]]]:
    """Data directories, keys, migrated databases and both sides of every peering."""
    settings, edges = topology()
    root.mkdir(parents=True)
    template = root / "template.db"
    upgrade_database(f"sqlite:///{template}")
    nodes = {}
    for s in settings:
        home = root / s.id
        write_settings(home, s)
        generate_node_key(home / "keys")
        shutil.copyfile(template, home / "vidensnet.db")
        nodes[s.id] = Node(s, home)
    configs = {n.id: load_config(n.home) for n in nodes.values()}
    descriptors = {i: check_descriptor(own_descriptor(c.node, load_node_key(c.keys_dir))) for i, c in configs.items()}
    neighbours = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for node_id, peers in neighbours.items():
        engine = make_engine(configs[node_id].database_url)
        with Session(engine) as session, session.begin():
            for peer_id in peers:
                record_peer(session, descriptors[peer_id])
                # Introducers as an operator sets them up (§14), so single-peer nodes learn keys at all.
                vouches = descriptors[peer_id].payload["kind"] in INTRODUCERS[configs[node_id].node.kind]
                approve_peer(session, peer_id, introducer=vouches)
        engine.dispose()
    return nodes, edges


class Network:
    """The in-process transport and its counters."""

    def __init__(self, nodes: dict[str, Node]):
        self.nodes = nodes
        self.by_url = {n.settings.url: n for n in nodes.values()}
        self.caps: dict[str, int] | None = None  # synchronous rounds: each peer's head when the round began
        self.reset()

    def reset(self) -> None:
        self.calls: Counter = Counter()
        self.bytes: Counter = Counter()

    def connect(self, base_url: str, peer_id: str, my_id: str, key) -> PeerClient:
        return TestClientPeer(base_url, peer_id, my_id, key, network=self)


class TestClientPeer(PeerClient):
    """PeerClient speaking to the peer's Flask test client: same JWT, same paths, no socket."""

    transfers: Counter = Counter()  # item id -> envelopes fetched, all nodes together
    fetched_by: Counter = Counter()  # (node, item id) -> envelopes fetched
    offers: Counter = Counter()  # item id -> times announced in a changes page

    def __init__(self, base_url, peer_id, my_id, key, network: Network):
        super().__init__(base_url, peer_id, my_id, key)
        self.network = network

    def changes(self, cursor, limit):
        page = super().changes(cursor, limit)
        cap = self.network.caps.get(self.peer_id) if self.network.caps is not None else None
        if cap is not None and page.get("next", 0) > cap:
            # The page read past the cap, so everything up to it is here (the feed is in seq order);
            # the rest is for the next round.
            page = {"changes": [c for c in page["changes"] if c.get("seq", 0) <= cap], "next": max(cursor, cap),
                    "more": False}
        for change in page.get("changes", []):
            TestClientPeer.offers[change.get("id")] += 1
        return page

    def envelopes(self, item_ids):
        envelopes = super().envelopes(item_ids)
        for envelope in envelopes:
            item_id = envelope.get("payload", {}).get("id")
            TestClientPeer.transfers[item_id] += 1
            TestClientPeer.fetched_by[(self.my_id, item_id)] += 1
        return envelopes

    def _call(self, method: str, path: str, **kwargs) -> dict:
        token = issue_token(self.key, self.my_id, self.peer_id)
        headers = {"Authorization": "Bearer " + token, "User-Agent": USER_AGENT}
        peer = self.network.by_url[self.base_url.rstrip("/")]
        options = {"query_string": kwargs["params"]} if "params" in kwargs else {}
        options |= {"json": kwargs["json"]} if "json" in kwargs else {}
        response = peer.client.open(path, method=method, headers=headers, **options)
        endpoint = f"{method} {path.rsplit('/', 1)[0] if path.startswith('/federation/v1/nodes/') else path}"
        self.network.calls[endpoint] += 1
        self.network.bytes[endpoint] += len(response.data)
        if response.status_code >= 400:
            raise PeerUnavailable(f"HTTP {response.status_code}: {response.get_data(as_text=True)[:300]}")
        body = response.get_json(silent=True)
        if not isinstance(body, dict):
            raise PeerUnavailable("answer is not a JSON object")
        return body


def publish(node: Node, *items: dict) -> list[str]:
    local = node.app.extensions["vidensnet.local"]
    with node.app.extensions["vidensnet.sessions"].begin() as session:
        import_items(session, ActingNode(local.id, local.sinks), [json.dumps(i, ensure_ascii=False) for i in items])
    return [f"{node.id}:{i['id']}" for i in items]


def holders(nodes: dict[str, Node], item_ids: list[str]) -> dict[str, set[str]]:
    """Which nodes hold an item envelope (and, for received items, the replica) for each id."""
    held = {i: set() for i in item_ids}
    for node in nodes.values():
        with node.app.extensions["vidensnet.sessions"]() as session:
            envelopes = set(session.scalars(select(Envelope.item_id).where(Envelope.item_id.in_(item_ids))))
            items = set(session.scalars(select(Item.id).where(Item.id.in_(item_ids))))
        assert envelopes == items, (node.id, envelopes, items)
        for item_id in envelopes:
            held[item_id].add(node.id)
    return held


def run(root: Path, mode: str, max_rounds: int) -> dict:
    progress(f"[{mode}] building 113 nodes in {root} ...")
    start = time.perf_counter()
    nodes, edges = build(root)
    for node in nodes.values():
        node.app = create_app(load_config(node.home))
        node.client = node.app.test_client()
    setup_seconds = time.perf_counter() - start
    network = Network(nodes)
    TestClientPeer.transfers.clear()
    TestClientPeer.fetched_by.clear()
    TestClientPeer.offers.clear()

    muni = {m.code: slugify(m.name) + "-kommune" for m in municipalities().values()}
    district_members = {muni[c] for c, m in municipalities().items() if m.police_district == BULLETIN_DISTRICT}
    police_id = slugify(BULLETIN_DISTRICT)
    items = {}
    [items["public"]] = publish(nodes[muni[PUBLIC_AT]], {
        "id": "natteravne", "type": "practice", "title": "Natteravne ved busterminalen", "summary": "Voksne på gaden.",
        "audience": "public", "municipalities": [PUBLIC_AT]})
    [items["network"]] = publish(nodes[muni[NETWORK_AT]], {
        "id": "havnemiljoe", "type": "method", "title": "Samtaler i havnemiljøet", "summary": "Kun til netværket.",
        "audience": "network"})
    [items["district bulletin"]] = publish(nodes[police_id], {
        "id": "knallerttyveri", "type": "bulletin", "title": "Knallerttyveri i Nordsjælland",
        "summary": "Flere tyverier.",
        "audience": {"districts": [BULLETIN_DISTRICT]}, "police_districts": [BULLETIN_DISTRICT],
        "details": {"observations": [{"label": "Anmeldte tyverier", "count": 17}]}})
    everyone = set(nodes)
    expected = {items["public"]: everyone, items["network"]: everyone,
                items["district bulletin"]: district_members | {police_id}}
    national = {node_id for node_id, _ in NATIONAL}
    assert not expected[items["district bulletin"]] & national

    hops = {item_id: _eccentricity(item_id.split(":")[0], allowed, edges) for item_id, allowed in expected.items()}
    approved = {node_id: sorted({b for a, b in edges if a == node_id} | {a for a, b in edges if b == node_id})
                for node_id in nodes}
    order = list(nodes)  # municipalities by code, then police districts, then national nodes
    reached_at: dict[str, int] = {}
    per_round = []
    failures = 0
    for round_no in range(1, max_rounds + 1):
        network.reset()
        if mode == "synchronous":
            network.caps = {}
            for node in nodes.values():
                with node.app.extensions["vidensnet.sessions"]() as session:
                    network.caps[node.id] = session.scalar(select(func.coalesce(func.max(Envelope.seq), 0)))
        round_start = time.perf_counter()
        offered_before, fetched_before = sum(TestClientPeer.offers.values()), sum(TestClientPeer.transfers.values())
        pulls = 0
        for node_id in order:
            node = nodes[node_id]
            local = node.app.extensions["vidensnet.local"]
            sessions = node.app.extensions["vidensnet.sessions"]
            for peer_id in approved[node_id]:
                pulls += 1
                try:
                    pull_from_peer(sessions, local, peer_id, connect=network.connect)
                except PeerUnavailable as exc:
                    failures += 1
                    progress(f"  pull {node_id} <- {peer_id} failed: {exc}")
        seconds = time.perf_counter() - round_start
        held = holders(nodes, list(expected))
        for item_id, nodes_holding in held.items():
            outside = nodes_holding - expected[item_id]
            assert not outside, f"{item_id} reached nodes outside its audience: {sorted(outside)}"
            if nodes_holding == expected[item_id] and item_id not in reached_at:
                reached_at[item_id] = round_no
        announced = sum(TestClientPeer.offers.values()) - offered_before
        fetched = sum(TestClientPeer.transfers.values()) - fetched_before
        per_round.append({"round": round_no, "pulls": pulls, "seconds": seconds, "calls": sum(network.calls.values()),
                          "bytes": sum(network.bytes.values()), "detail": dict(network.calls),
                          "announced": announced, "fetched": fetched, "held": {k: len(v) for k, v in held.items()}})
        progress(f"  round {round_no}: {pulls} pulls in {seconds:.1f} s; held " +
                 ", ".join(f"{name} {len(held[i])}/{len(expected[i])}" for name, i in items.items()))
        if len(reached_at) == len(expected) and announced == 0:
            break  # the quiet round: every poll was empty
    for node_id in national:
        with nodes[node_id].app.extensions["vidensnet.sessions"]() as session:
            assert session.scalar(select(func.count()).select_from(Envelope)
                                  .where(Envelope.item_id == items["district bulletin"])) == 0
    return {"mode": mode, "items": items, "expected": expected, "reached_at": reached_at, "rounds": per_round,
            "hops": hops,
            "setup": setup_seconds, "failures": failures, "edges": len(edges), "nodes": len(nodes),
            "transfers": Counter(TestClientPeer.transfers), "offers": Counter(TestClientPeer.offers),
            "max_per_node": {i: max((n for (who, item), n in TestClientPeer.fetched_by.items() if item == i), default=0)
                             for i in expected}}


def _eccentricity(origin: str, allowed: set[str], edges: list[tuple[str, str]]) -> int:
    """Hops from the origin to the farthest node that may hold the item, through such nodes only (BFS):
    the fewest synchronous rounds any pull protocol needs on this topology."""
    distance, frontier = {origin: 0}, [origin]
    while frontier:
        following = []
        for node in frontier:
            for a, b in edges:
                other = b if a == node else a if b == node else None
                if other in allowed and other not in distance:
                    distance[other] = distance[node] + 1
                    following.append(other)
        frontier = following
    assert set(distance) == allowed, "some node that may hold the item is unreachable through the audience"
    return max(distance.values())


def report(result: dict) -> None:
    print(f"\n### Mode: {result['mode']} ({result['nodes']} nodes, {result['edges']} peerings, "
          f"setup {result['setup']:.0f} s, {result['failures']} failed pulls)\n")
    rows = []
    for name, item_id in result["items"].items():
        expected = result["expected"][item_id]
        receivers = len(expected) - 1
        transfers = result["transfers"][item_id]
        rows.append([name, f"`{item_id}`", len(expected), result["reached_at"].get(item_id, "never"),
                     result["hops"][item_id],
                     transfers, f"{transfers / receivers:.3f}", result["max_per_node"][item_id],
                     f"{result['offers'][item_id] / receivers:.2f}",
                     "yes" if transfers / receivers <= GOAL_TRANSFERS else "NO"])
    print(table(["item", "id", "nodes that may hold it", "rounds to reach all", "baseline: fewest possible (BFS hops)",
                 "bodies fetched",
                 "bodies per receiving node", "max bodies at one node", "announcements per receiving node",
                 f"≤ {GOAL_TRANSFERS}"], rows))
    print()
    short = lambda endpoint: endpoint.replace("/federation/v1/", "")  # noqa: E731
    rows = [[r["round"], r["pulls"], r["calls"], ", ".join(f"{short(k)} {v}" for k, v in sorted(r["detail"].items())),
             r["announced"], r["fetched"], f"{r['bytes'] / 1024:.1f}", f"{r['bytes'] / r['calls']:.0f}",
             f"{r['seconds']:.1f}", f"{1000 * r['seconds'] / r['pulls']:.1f}",
             ", ".join(str(v) for v in r["held"].values())] for r in result["rounds"]]
    print(table(["round", "pulls", "requests", "by endpoint", "changes announced", "bodies fetched", "response KB",
                 "bytes / request", "seconds", "ms / pull", "holders (public, network, bulletin)"], rows))
    quiet = result["rounds"][-1]
    if quiet["announced"] == 0:
        print(f"\nLast round is the quiet one: {quiet['pulls']} empty polls, "
              f"{quiet['bytes'] / quiet['calls']:.0f} bytes each on average, "
              f"{1000 * quiet['seconds'] / quiet['pulls']:.1f} ms per pull in-process "
              f"(client and server together, JWT signing and checking included).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="synchronous,sweep")
    parser.add_argument("--max-rounds", type=int, default=12)
    parser.add_argument("--keep", type=Path, help="build the nodes under this (empty) directory and leave them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="vidensnet-bench-topology-"))
    results = []
    try:
        for mode in args.modes.split(","):
            results.append(run(base / mode, mode, args.max_rounds))
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"## Federation topology: 98 municipalities, 12 police districts, 3 national nodes "
          f"({date.today()}, {machine()})\n")
    print(f"Public item at {PUBLIC_AT} (Aarhus), network item at {NETWORK_AT} (Bornholm), district bulletin at "
          f"{BULLETIN_DISTRICT}. The bulletin never reached a national node or another district (checked every round).")
    for result in results:
        report(result)
    ok = all(r["transfers"][i] / (len(r["expected"][i]) - 1) <= GOAL_TRANSFERS
             and i in r["reached_at"] for r in results for i in r["expected"])
    verdict = "every item reached every node that may hold it, within the transfer goal" if ok else "BELOW GOAL"
    print(f"\nVerdict: {verdict}.")


if __name__ == "__main__":
    sys.exit(main())
