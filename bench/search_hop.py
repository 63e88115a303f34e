"""The search hop: `/api/v1/search` under waitress, gunicorn and granian, against raw Meilisearch and a bare app.

    .venv/bin/python bench/search_hop.py [--items 10000] [--rounds 10] [--clients 8] [--seconds 10]

One node holds N generated public items, indexed by its `vidensnet worker` (which manages Meilisearch).
Each server runs the node's app (bench/hop_apps.py: built per worker process, as `vidensnet serve` does),
on a second port a bare WSGI app that answers a real search answer's bytes without doing anything, and on a
third a bare Flask route that asks Meilisearch as the baseline does and encodes its answer (the Flask floor).
In the same run, query by query in turn, one client with one kept connection asks:

- raw Meilisearch, with the node's own client (search.index: urllib3's connection pool) and exactly the
  parameters the node sends (the baseline);
- each server's node app (`/api/v1/search?q=...`, anonymous), bare app and Flask floor, through urllib3 too.

Latency ratios: node / raw, node / (raw + the same server's bare hop), the floor a Python server in
front of the search can reach, and node / the same server's Flask floor: the node's own work. Then
throughput with `--clients` client processes for `--seconds` each: node answers per second against raw
Meilisearch's under the same load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import requests
import urllib3
from _common import NodeProcess, item_lines, machine, percentile, progress, table

from deploy.local_federation import free_port
from search.binary import CACHED_BINARY
from search.index import SearchIndex
from search.query import SearchRequest, meilisearch_query, search_options

QUERIES = ["natteravne", "busterminalen", "klub", "politi", "SSP", "erfaringer", "vagtplan", "fravær",
           "forebyggelse", "tag-7", "område 42", "natteravne klub", "uro", "statusmøde", "voksne aften",
           "anmeldelserne", "samarbejde", "fredag lørdag", "terminal", "bekymringssamtale"]
VENV_BIN = Path(sys.executable).parent
WORKERS = 2  # web processes per server, as `vidensnet serve` starts by default
APPS = ("node", "bare", "floor")  # hop_apps' node_app, bare_app and flask_floor_app
THREADS = 4  # threads per process (gunicorn's gthread and granian's blocking threads; waitress has one process)
SERVERS = {
    "waitress": lambda app, port: [VENV_BIN / "waitress-serve", "--host=127.0.0.1", f"--port={port}",
                                   f"--threads={WORKERS * THREADS}", "--ident=vidensnet", "--call", f"hop_apps:{app}"],
    "gunicorn": lambda app, port: [VENV_BIN / "gunicorn", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
                                   "-k", "gthread", "--threads", str(THREADS), f"hop_apps:{app}()"],
    "granian": lambda app, port: [VENV_BIN / "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                                  "--port", str(port), "--workers", str(WORKERS), "--blocking-threads",
                                  str(THREADS), "--no-ws", "--factory", f"hop_apps:{app}"],
}


def build_node(root: Path, items: int) -> NodeProcess:
    """A node with N public items, its worker running, every item in Meilisearch."""
    node = NodeProcess(root / "node", "Aarhus Kommune", "municipality", municipality="0751",
                       env={"VIDENSNET_MEILISEARCH_BIN": str(CACHED_BINARY)})
    path = root / "items.jsonl"
    path.write_text("".join(item_lines(0, items)), encoding="utf-8")
    node.cli("import", str(path))
    return node


def start_worker(node: NodeProcess) -> subprocess.Popen:
    env = {**os.environ, **node.env, "VIDENSNET_HOME": str(node.home)}
    worker = subprocess.Popen([VENV_BIN / "vidensnet", "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(node.home / "worker.log", "ab"))
    return worker


def start_server(name: str, app: str, node: NodeProcess, body_file: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **node.env, "VIDENSNET_HOME": str(node.home), "VIDENSNET_BENCH_BARE_BODY": str(body_file),
           "PYTHONPATH": str(Path(__file__).resolve().parent)}
    log = open(node.home / f"{name}-{app}.log", "ab")
    proc = subprocess.Popen([str(a) for a in SERVERS[name](app, port)], env=env, stdout=log, stderr=log,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/api/v1/search?q=klub", timeout=30).ok:
                return proc, url
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a first answer slow under load
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} {app} did not start; see {log.name}")


def wait_indexed(url: str, expected: int) -> None:
    while True:
        answer = requests.get(url + "/api/v1/search", params={"q": ""}, timeout=30).json()
        total = 0 if answer["degraded"] else answer["total"]
        if total >= expected:
            return
        progress(f"  indexed {total:,}/{expected:,}")
        time.sleep(2)


def raw_index(node: NodeProcess) -> SearchIndex:
    url = (node.home / "meilisearch" / "url").read_text().strip()
    return SearchIndex(url, (node.home / "meilisearch" / "master.key").read_text().strip())


def raw_search(index: SearchIndex, q: str) -> None:
    request = SearchRequest(q)
    index.search(meilisearch_query(request), search_options(request, logged_in=False))


class ServedSearch:
    """One kept connection to a served app's search, through urllib3 as the node's own client asks Meilisearch.

    Both sides of every ratio then pay the same HTTP client: with requests here and urllib3 for the baseline,
    the node's side would carry about 0.4 ms of client CPU a request that the baseline does not (measured).
    """

    def __init__(self, url: str):
        self.pool = urllib3.connection_from_url(url, maxsize=1, timeout=30, retries=False)

    def ask(self, q: str) -> None:
        response = self.pool.urlopen("GET", "/api/v1/search?" + urlencode({"q": q}),
                                     headers={"Accept-Encoding": "identity"})
        assert response.status == 200, response.status


def latencies(index: SearchIndex, urls: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Seconds per request, for raw Meilisearch and each served app, asked in turn query by query."""
    served = {name: ServedSearch(url) for name, url in urls.items()}
    times: dict[str, list[float]] = {"raw": [], **{name: [] for name in urls}}
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            raw_search(index, q)
            times["raw"].append(time.perf_counter() - start)
            for name in urls:
                start = time.perf_counter()
                served[name].ask(q)
                times[name].append(time.perf_counter() - start)
    return times


def _client(target: str, seconds: float, counts) -> None:
    if target.startswith("raw "):
        index = SearchIndex(*target[4:].split(" ", 1))
        ask = lambda q: raw_search(index, q)  # noqa: E731
    else:
        ask = ServedSearch(target).ask
    done, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        ask(QUERIES[done % len(QUERIES)])
        done += 1
    counts.put(done)


def throughput(target: str, clients: int, seconds: float) -> float:
    """Answers per second with `clients` client processes asking one after the other for `seconds`."""
    counts = multiprocessing.get_context("fork").Queue()
    procs = [multiprocessing.get_context("fork").Process(target=_client, args=(target, seconds, counts))
             for _ in range(clients)]
    for p in procs:
        p.start()
    total = sum(counts.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def report(items: int, servers: list[str], times: dict[str, list[float]], rates: dict[str, float]) -> str:
    ms = lambda v: f"{v * 1000:.2f} ms"  # noqa: E731
    raw50, raw95 = percentile(times["raw"], 50), percentile(times["raw"], 95)
    rate = lambda target: f"{rates[target]:.0f}/s"  # noqa: E731
    rows = [["raw Meilisearch (baseline)", ms(raw50), ms(raw95), "1.00", "", "", rate("raw"), "1.00"]]
    for name in servers:
        node, bare, floor = times[f"{name} node"], times[f"{name} bare"], times[f"{name} floor"]
        n50, n95, b50, b95, f50, f95 = (percentile(v, p) for v in (node, bare, floor) for p in (50, 95))
        rows.append([f"{name}: bare app (the hop)", ms(b50), ms(b95), "", "", "", rate(f"{name} bare"), ""])
        rows.append([f"{name}: Flask floor", ms(f50), ms(f95), f"{f95 / raw95:.2f}", f"{f95 / (raw95 + b95):.2f}",
                     "1.00", rate(f"{name} floor"), f"{rates[f'{name} floor'] / rates['raw']:.2f}"])
        rows.append([f"{name}: node `/api/v1/search`", ms(n50), ms(n95), f"**{n95 / raw95:.2f}**",
                     f"**{n95 / (raw95 + b95):.2f}**", f"**{n95 / f95:.2f}**", rate(f"{name} node"),
                     f"**{rates[f'{name} node'] / rates['raw']:.2f}**"])
    header = ["what answers", "p50", "p95", "p95 / raw", "p95 / (raw + bare hop)", "p95 / Flask floor",
              "throughput", "node / raw"]
    return "\n\n".join([f"#### Search hop: {items} items, {len(times['raw'])} queries per side "
                        f"({time.strftime('%Y-%m-%d')}, {machine()})", table(header, rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated, of " + ", ".join(SERVERS))
    args = parser.parse_args()
    servers = args.servers.split(",")
    root = Path(tempfile.mkdtemp(prefix="vidensnet-bench-hop-"))
    procs: list[subprocess.Popen] = []
    try:
        progress(f"building a node with {args.items:,} items in {root} ...")
        node = build_node(root, args.items)
        procs.append(start_worker(node))
        body_file = root / "answer.json"
        urls = {}
        for name in servers:
            for app in APPS:
                if app == "bare":
                    body_file.write_bytes(requests.get(urls[f"{name} node"] + "/api/v1/search?q=klub").content)
                factory = "flask_floor_app" if app == "floor" else f"{app}_app"
                proc, urls[f"{name} {app}"] = start_server(name, factory, node, body_file)
                procs.append(proc)
                if app == "node" and name == servers[0]:
                    wait_indexed(urls[f"{name} node"], args.items)
        index = raw_index(node)
        progress("latency, one client ...")
        times = latencies(index, urls, args.rounds)
        rates = {}
        meili = (node.home / "meilisearch" / "url").read_text().strip()
        key = (node.home / "meilisearch" / "master.key").read_text().strip()
        for target in ["raw", *urls]:
            progress(f"throughput, {args.clients} clients: {target} ...")
            rates[target] = throughput(f"raw {meili} {key}" if target == "raw" else urls[target], args.clients,
                                       args.seconds)
        print(report(args.items, servers, times, rates))
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
