"""Reproduces the node crash in docs/known-issues.md: log in while the node's first indexing run is under way.

    .venv/bin/python bench/repro/login_during_indexing.py      # GDB=1 runs the node under gdb

GC_THRESHOLD=700 runs the node with that young-generation threshold instead of the node's own.

Starts a node with the demo corpus and its own Meilisearch, walks through the pages
and logs in right away; prints after each step whether the node and its Meilisearch
are alive. About one run in three ends with the node killed by SIGSEGV (-11).
"""
import os
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from deploy.local_federation import free_port
from deploy.local_federation import wait_until_serving as _wait_until_serving
from tests.helpers.live_nodes import DEMO_FILES
from tests.helpers.nodes import PASSWORD

PY = sys.executable
def cli(home, *args, input=None):
    return subprocess.run([PY, "-m", "node", "--home", str(home), *args], input=input, capture_output=True, text=True,
                          check=True, cwd=sys.path[0])
home = tempfile.mkdtemp(prefix="repro2-") + "/aarhus"
port = free_port()
url = f"http://127.0.0.1:{port}"
cli(home, "init", "--name", "Aarhus Kommune", "--kind", "municipality", "--municipality", "0751", "--url", url)
for p in DEMO_FILES:
    cli(home, "import", str(p))
cli(home, "user", "add", "laeser", "--role", "reader", "--password-stdin", input=PASSWORD + "\n")
log = open(home + "/run.log", "w")
cmd = [PY, "-m", "node", "--home", home, "run", "--port", str(port)]
if os.environ.get("GC_THRESHOLD"):
    # The node with another young-generation threshold (the crash of docs/known-issues.md needed CPython's 700).
    start = ("import node.core.interpreter as i, sys; from node.cli import main; "
             f"i.YOUNG_GENERATION_THRESHOLD = {int(os.environ['GC_THRESHOLD'])}; main(prog_name='vidensnet')")
    cmd = [PY, "-c", start, "--home", home, "run", "--port", str(port)]
if os.environ.get("GDB"):
    cmd = ["gdb", "-batch", "-ex", "set pagination off", "-ex", "handle SIGPIPE nostop noprint",
           "-ex", "run", "-ex", "thread apply all bt 25", "--args"] + cmd
proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=sys.path[0])
def meili(step):
    alive = subprocess.run(["pgrep", "-f", f"meilisearch.*{home}"], capture_output=True).returncode == 0
    node = "alive" if proc.poll() is None else proc.returncode
    print(f"{step:30s} meili {'alive' if alive else 'GONE'} node {node}", flush=True)
try:
    _wait_until_serving(url, proc)
    meili("serving")
    requests.get(url + "/", timeout=30)
    meili("front")
    items = requests.get(url + "/api/v1/items", timeout=30).json()
    meili("api items")
    requests.get(items["items"][0]["url"], timeout=30)
    meili("item page")
    s = requests.Session()
    t = s.get(url + "/login", timeout=30).text.split('name="csrf_token" value="')[1].split('"')[0]
    meili("login page")
    s.post(url + "/login", data={"username": "laeser", "password": PASSWORD, "csrf_token": t}, timeout=30)
    meili("login")
    s.get(url + "/bulletiner", timeout=30)
    meili("bulletiner")
    for i in range(8):
        time.sleep(1)
        meili(f"+{i+1}s")
finally:
    died = proc.poll()
    proc.terminate()
    proc.wait(20)
    print(f"node exit during run: {died}", flush=True)
