"""A production-shaped node, peered with an ordinary one: the proof that a production deployment works.

Aarhus runs as production does: PostgreSQL (its own throwaway cluster), an external Meilisearch with a master
key, two `vidensnet serve` processes of two web workers each and two `vidensnet worker` processes, behind
Debian's nginx running the project's site (deploy/nginx/vidensnet.conf) with a self-signed certificate.
Østjyllands Politi is an ordinary `vidensnet run` node on SQLite, reaching Aarhus through nginx (its requests
verify the certificate: REQUESTS_CA_BUNDLE).

One deployment serves the module; the tests run in file order and each leaves it serving. The backup test
comes last: its restored node replaces the production node's processes.
"""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from search.process import ManagedMeilisearch
from tests.helpers.live_nodes import HTTP_TIMEOUT, ChildNode, LiveNode, peer, query, wait_for
from tests.helpers.missing_tools import require_installed
from tests.helpers.nginx import Nginx, require_nginx
from tests.helpers.postgresql import PostgreSQLServer, ThrowawayCluster, postgresql_bindir
from tests.helpers.production_node import LEASE_SECONDS, NodeProcesses, ProductionNode, kill_9

MASTER_KEY = "production-test-master-key-0123456789"
DISTRICT = "Østjyllands Politi"
# Replication and indexing on a busy 2-core machine: generous, these tests check what arrives, not how fast.
ARRIVAL_SECONDS = 90


@dataclass
class Deployment:
    cluster: ThrowawayCluster
    proxy: Nginx
    aarhus: ProductionNode
    politi: LiveNode
    root: Path
    search_url: str


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    nginx, bindir = require_nginx(), postgresql_bindir()
    require_installed(None if bindir else "PostgreSQL is not installed; deploy/test.sh installs it")
    root = tmp_path_factory.mktemp("production")
    with ExitStack() as teardown:  # unwinds in reverse, also when the setup itself fails halfway
        cluster = ThrowawayCluster(bindir)
        teardown.callback(cluster.remove)
        cluster.start()
        search = ManagedMeilisearch(root / "meilisearch", MASTER_KEY)
        teardown.callback(search.stop)
        search.start()
        aarhus, proxy = _production_node(root, PostgreSQLServer(cluster.base_url).new_database(), search.url)
        teardown.callback(aarhus.stop)
        teardown.callback(proxy.stop)
        politi = LiveNode(root / "politi", DISTRICT, "police", district=DISTRICT,
                          env={"REQUESTS_CA_BUNDLE": str(proxy.cert_path), "VIDENSNET_LOG_FORMAT": "json"})
        teardown.callback(politi.stop)
        aarhus.start()
        proxy.start(nginx)
        politi.start()
        peer(politi, aarhus)  # politi adds Aarhus at its https URL, through nginx
        yield Deployment(cluster, proxy, aarhus, politi, root, search.url)


def _production_node(root: Path, database_url: str, search_url: str) -> tuple[ProductionNode, Nginx]:
    proxy = Nginx(root / "nginx", upstream_ports=[])  # its address first: the node's public URL
    env = {"VIDENSNET_DATABASE_URL": database_url, "VIDENSNET_MEILISEARCH_URL": search_url,
           "VIDENSNET_MEILISEARCH_MASTER_KEY": MASTER_KEY}
    aarhus = ProductionNode(root / "aarhus", "Aarhus Kommune", "municipality", municipality="0751", env=env,
                            url=proxy.url, verify=str(proxy.cert_path))
    proxy.upstream_ports = [serve.port for serve in aarhus.processes.serves]
    return aarhus, proxy


def method(word: str) -> dict:
    """A public method findable by `word` alone (a made-up word, so no other item matches it)."""
    return {"id": f"metode-{word}", "type": "method", "title": f"Tryghedsvandring {word}",
            "summary": "En metode til forebyggelse i boligområdet.", "audience": "public"}


def publish(node: LiveNode, item: dict) -> str:
    """Publish through the node's API at its public URL (nginx for Aarhus); the item's id."""
    response = requests.post(node.url + "/api/v1/items?publish=true", json=item, verify=node.verify,
                             headers={"Authorization": f"Bearer {node.token}"}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def search_hits(node: LiveNode, word: str) -> list[str]:
    """Meilisearch's hits for `word` at the node; none while search is degraded (answered from the database)."""
    response = requests.get(node.url + "/api/v1/search", params={"q": word}, verify=node.verify,
                            timeout=HTTP_TIMEOUT)
    found = response.json() if response.ok else {"degraded": True}
    return [] if found["degraded"] else [hit["id"] for hit in found["hits"]]


def wait_searchable(node: LiveNode, word: str, item_id: str) -> None:
    wait_for(lambda: item_id in search_hits(node, word), timeout=ARRIVAL_SECONDS, interval=0.5,
             message=f"{item_id} searchable at {node.url}")


def test_published_through_nginx_it_is_searchable_on_the_sqlite_peer_and_the_peers_item_through_nginx(deployment):
    aarhus, politi = deployment.aarhus, deployment.politi
    assert query(politi, "SELECT url FROM peers") == [(deployment.proxy.url,)]  # politi pulls through nginx
    wait_searchable(politi, "kirkebakke", publish(aarhus, method("kirkebakke")))
    wait_searchable(aarhus, "havnefront", publish(politi, method("havnefront")))
    # nginx spread the requests over both serve processes, which search the external Meilisearch with the key
    # the node made there for its own index (the master key only makes that key).
    assert all('"logger": "vidensnet.access"' in serve.log_path.read_text() for serve in aarhus.processes.serves)
    assert readyz(deployment)[1]["search"] == "ok"
    assert scoped_key_indexes(deployment.search_url) == ["vidensnet_items", "vidensnet_items--reindex"]


def scoped_key_indexes(search_url: str) -> list[str]:
    """The indexes of the key the node made in Meilisearch (asked with the master key, as an operator would)."""
    keys = requests.get(search_url + "/keys", headers={"Authorization": f"Bearer {MASTER_KEY}"},
                        timeout=HTTP_TIMEOUT).json()["results"]
    (key,) = [k for k in keys if k["name"] == "vidensnet vidensnet_items"]
    return key["indexes"]


def test_after_kill_9_of_the_active_worker_the_standby_takes_over_within_two_lease_periods(deployment):
    aarhus, politi = deployment.aarhus, deployment.politi
    active = aarhus.processes.active_worker()
    (standby,) = [w for w in aarhus.processes.workers if w is not active]
    killed_at = datetime.now(UTC)
    kill_9(active)
    assert aarhus.processes.active_worker() is standby
    # When the standby took the lease, by the lease row itself: not blurred by this test's polling.
    (acquired_at,) = aarhus.processes.sql("SELECT acquired_at FROM worker_lease")[0]
    took = acquired_at.replace(tzinfo=UTC) - killed_at
    assert took.total_seconds() <= 2 * LEASE_SECONDS + 1, took  # a second for a busy machine's scheduling
    # The new active worker pulls and indexes: an item published at politi after the takeover is found at Aarhus.
    wait_searchable(aarhus, "skolevej", publish(politi, method("skolevej")))
    wait_searchable(politi, "stationsplads", publish(aarhus, method("stationsplads")))
    active.start()  # back as the standby, so the node has two workers again


def readyz(deployment: Deployment) -> tuple[int, dict]:
    response = requests.get(deployment.proxy.url + "/readyz", verify=deployment.proxy.cert_path, timeout=HTTP_TIMEOUT)
    return response.status_code, response.json() if "json" in response.headers.get("Content-Type", "") else {}


def test_readyz_through_nginx_is_503_for_the_database_while_postgresql_is_stopped_and_200_again_after(deployment):
    workers = deployment.aarhus.processes.workers
    wait_for(lambda: readyz(deployment)[0] == 200, timeout=ARRIVAL_SECONDS, message="ready before the outage")
    logged = {worker: worker.log_path.stat().st_size for worker in workers}
    deployment.cluster.stop("fast")
    try:
        _, body = wait_for(lambda: (answer := readyz(deployment))[0] == 503 and answer, timeout=30,
                           message="503 while PostgreSQL is down")
        assert body["failing"] == ["database"] and body["database"] == "unreachable", body
        # Down longer than a lease: the active worker stops its jobs, and afterwards the workers race for the lease.
        wait_for(lambda: any("worker lease lost" in logged_since(w, logged[w]) for w in workers),
                 timeout=8 * LEASE_SECONDS + 30, message="the active worker giving its lease up")
    finally:
        deployment.cluster.start()
    # 200 again (a worker holds the lease again too), from every serve process and web worker behind nginx:
    # eight in a row, so that each web worker's connection pool has reconnected.
    answers: list[int] = []
    wait_for(lambda: ready_in_a_row(deployment, answers, 8), timeout=ARRIVAL_SECONDS,
             message="200 from every web worker after PostgreSQL is back")


def logged_since(process: ChildNode, offset: int) -> str:
    """What the process has written to its log past `offset` bytes."""
    with process.log_path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace")


def ready_in_a_row(deployment: Deployment, answers: list[int], count: int) -> bool:
    """Ask /readyz once more; whether the last `count` answers were all 200."""
    answers.append(readyz(deployment)[0])
    return answers[-count:] == [200] * count


def feed_request_spans(node: ChildNode) -> list[tuple[float, float]]:
    """(start, end) in seconds of each changes-feed request the node answered, from its JSON access log."""
    spans = []
    for line in node.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        record = json.loads(line) if line.startswith("{") else {}
        if record.get("logger") == "vidensnet.access" and record.get("path") == "/federation/v1/changes":
            end = datetime.fromisoformat(record["time"]).timestamp()  # logged when the answer was ready
            spans.append((end - record["duration_ms"] / 1000, end))
    return sorted(spans)


def test_politi_is_never_pulled_twice_at_once_and_the_feed_holds_one_seq_per_stored_envelope(deployment):
    aarhus, politi = deployment.aarhus, deployment.politi
    # Politi's only puller is Aarhus, so its own log of answered feed requests shows every pull Aarhus made, by
    # either worker: before and after the takeover, and after both raced for the lease when PostgreSQL came back.
    # Times are logged to the millisecond.
    spans = wait_for(lambda: len(found := feed_request_spans(politi)) >= 8 and found, timeout=ARRIVAL_SECONDS,
                     message="eight pulls of politi")
    overlapping = [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1] - 0.002]
    assert not overlapping, overlapping
    sql = aarhus.processes.sql
    assert sql("SELECT count(*) - count(DISTINCT seq), count(*) - count(DISTINCT item_id) FROM envelopes") == [(0, 0)]
    # Every published item, its own and politi's, is in the feed once, at its version; no envelope lacks its item.
    assert sql("SELECT i.id FROM items i LEFT JOIN envelopes e ON e.item_id = i.id AND e.version = i.version "
               "WHERE i.status = 'published' AND e.seq IS NULL") == []
    assert sql("SELECT e.item_id FROM envelopes e LEFT JOIN items i ON i.id = e.item_id "
               "WHERE e.kind = 'item' AND i.id IS NULL") == []
    assert query(politi, "SELECT id FROM items GROUP BY id HAVING count(*) > 1") == []


class Publisher(threading.Thread):
    """Publishes methods through nginx one after another until stopped (and at least `at_least`), in order."""

    def __init__(self, node: LiveNode, at_least: int):
        super().__init__(daemon=True)
        self.node, self.at_least = node, at_least
        self.ids: list[str] = []
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set() or len(self.ids) < self.at_least:
                self.ids.append(publish(self.node, method(f"backupmetode{len(self.ids)}x")))
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which fails with it
            self.error = exc

    def finish(self) -> list[str]:
        self.stopping.set()
        self.join(timeout=120)
        assert self.error is None and not self.is_alive(), self.error
        return self.ids


def test_a_backup_taken_while_publishing_restores_into_a_node_that_converges_with_its_peer(deployment):
    aarhus, politi = deployment.aarhus, deployment.politi
    backup = deployment.root / "aarhus.vnbackup"
    publisher = Publisher(aarhus, at_least=24)
    publisher.start()
    try:
        wait_for(lambda: len(publisher.ids) >= 4, message="publishing under way")
        before = len(publisher.ids)
        aarhus.cli("backup", str(backup))
        during = len(publisher.ids)
    finally:
        published = publisher.finish()
    assert during > before, "the backup was not taken while items were being published"
    wait_for(lambda: set(published) <= held(politi, aarhus.id).keys(), timeout=ARRIVAL_SECONDS,
             message="politi holds everything Aarhus published")
    aarhus.stop()  # the production database is lost; what remains is the backup, and politi's copies
    restored = restored_node(deployment, backup)
    try:
        restored.start()  # on the ports nginx proxies to: the node is back at its public URL
        own = held(restored, aarhus.id)
        # A consistent snapshot: exactly the items published before some moment during the backup.
        k = sum(item_id in own for item_id in published)
        assert [item_id in own for item_id in published] == [True] * k + [False] * (len(published) - k)
        assert before <= k <= during + 1  # (the item whose answer was on its way as the backup ended, at most)
        check_restored_node_converges(deployment, restored, own, published)
    finally:
        restored.stop()


def held(node: ChildNode | NodeProcesses, origin: str) -> dict[str, int]:
    """The versions of the published items of this origin the node holds, by item id."""
    statement = "SELECT id, version FROM items WHERE status = 'published' AND origin = "
    if isinstance(node, NodeProcesses):
        return dict(node.sql(statement + ":origin", origin=origin))
    return dict(query(node, statement + "?", origin))


def restored_node(deployment: Deployment, backup: Path) -> NodeProcesses:
    """`vidensnet restore` into an empty home and database; returns the serve and worker processes to start."""
    aarhus = deployment.aarhus
    env = {**aarhus.env, "VIDENSNET_DATABASE_URL": PostgreSQLServer(deployment.cluster.base_url).new_database()}
    home = deployment.root / "aarhus-restored"
    node = ChildNode(home, env=env, url=aarhus.url)
    node.cli("restore", str(backup))
    node.cli("reindex")  # the external Meilisearch still holds the lost database's index (docs/operations.md)
    return NodeProcesses(home, env, [s.port for s in aarhus.processes.serves], web_workers=1, workers=1)


def check_restored_node_converges(deployment: Deployment, restored: NodeProcesses, own: dict[str, int],
                                  published: list[str]) -> None:
    aarhus, politi = deployment.aarhus, deployment.politi
    (epoch,) = restored.sql("SELECT epoch FROM feed_epoch")[0]
    wait_for(lambda: query(politi, "SELECT epoch FROM peers WHERE id = ?", aarhus.id) == [(epoch,)],
             timeout=ARRIVAL_SECONDS, message="politi reading the restored node's new feed epoch")
    # Politi read the new epoch from 0: it holds what the restored node holds, at the same versions, and keeps
    # what was published after the backup; nothing is lost, nothing stored twice.
    politi_holds = held(politi, aarhus.id)
    assert {i: politi_holds[i] for i in own} == own and set(published) <= politi_holds.keys()
    assert query(politi, "SELECT id FROM items GROUP BY id HAVING count(*) > 1") == []
    # Politi's items come back to the restored node, which publishes on, through nginx, to politi.
    wait_for(lambda: held(politi, politi.id).items() <= held(restored, politi.id).items(),
             timeout=ARRIVAL_SECONDS, message="politi's items back at the restored node")
    new_item = publish(aarhus, method("genopstaaet"))
    wait_searchable(politi, "genopstaaet", new_item)
    assert restored.sql("SELECT count(*) - count(DISTINCT item_id) FROM envelopes") == [(0,)]
    # Reindexed, its search finds what it holds and not what the lost database held after the backup.
    wait_searchable(aarhus, "genopstaaet", new_item)
    lost = [item_id for item_id in published if item_id not in own]
    if lost:
        assert lost[0] not in search_hits(aarhus, lost[0].rsplit("-", 1)[1])
