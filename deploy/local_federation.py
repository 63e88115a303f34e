"""Real Vidensnet nodes on 127.0.0.1, each a child process: for the tests, the benchmarks and the demo.

A node is a data directory made with `vidensnet init` (and `vidensnet user add` for its accounts)
and, while it serves, a `vidensnet run --port N` child process that listens on 127.0.0.1 only and
writes its output to <home>/run.log. This module starts such nodes, waits until they answer, peers
them, and stops them (SIGTERM, then SIGKILL if one does not stop in time).

Used by tests/conftest.py (through tests/helpers/live_nodes.py), bench/_common.py and
deploy/demo_federation.py. It needs only the standard library, so the demo runs without the test
dependencies. The CLI runs in the interpreter running this module (`python -m node`), from the
repository root, so the nodes run the code of the checkout this file is in.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOG_NAME = "run.log"
START_SECONDS = 30  # until a started node answers HTTP
STOP_SECONDS = 20  # from SIGTERM until SIGKILL
CLI_SECONDS = 120  # a CLI command, unless the caller gives its own limit
# Straight to 127.0.0.1, whatever http_proxy says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NodeFailed(RuntimeError):
    """A node's `run` process exited, or did not answer in time."""


class CommandFailed(subprocess.CalledProcessError):
    """A `vidensnet` command exited with an error; its message carries the command's output."""

    def __str__(self) -> str:
        return (f"vidensnet {' '.join(self.cmd[3:])} failed ({self.returncode}):\n"
                f"{self.stdout or ''}\n{self.stderr or ''}").rstrip()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vidensnet(home: Path, *args: str, input: str | None = None, check: bool = True,
              timeout: float | None = CLI_SECONDS, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `vidensnet` CLI in a child process against a data directory.

    `env` is added to this process's environment. With `check`, a command that exits with an error raises
    CommandFailed (a CalledProcessError).
    """
    command = [sys.executable, "-m", "node", "--home", str(home), *args]
    result = subprocess.run(command, input=input, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                            env={**os.environ, **env} if env else None)
    if check and result.returncode != 0:
        raise CommandFailed(result.returncode, command, result.stdout, result.stderr)
    return result


def answers(url: str) -> bool:
    """Whether a GET of `url` answers 200 right now."""
    try:
        with _DIRECT.open(url, timeout=2) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, an HTTP error status
        return False


def wait_until_serving(url: str, proc: subprocess.Popen | None = None, timeout: float = START_SECONDS,
                       log: Path | None = None) -> None:
    """Wait until GET `url` answers 200; NodeFailed when `proc` exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise NodeFailed(f"vidensnet run exited with {proc.returncode} before {url} answered{_tail(log)}")
        if answers(url):
            return
        time.sleep(0.2)
    raise NodeFailed(f"{url} did not answer within {timeout:g} s{_tail(log)}")


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file ('' when there is none)."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def _tail(log: Path | None) -> str:
    text = log_tail(log) if log else ""
    return f"; the end of {log}:\n{text}" if text else (f"; see {log}" if log else "")


class ChildNode:
    """A node's data directory and, while it serves, its `vidensnet run` child process on 127.0.0.1.

    `env` is added to this process's environment for `run` and for the CLI, so a node configured by
    environment (VIDENSNET_DATABASE_URL) is the same node to both (PYTHONUNBUFFERED=1 always for `run`,
    so the log is current); `ready_path` is the page that must answer 200 before the node counts as started.
    `url` is its public URL when a proxy is in front (its own http address otherwise).
    """

    log_name = LOG_NAME

    def __init__(self, home: Path, *, port: int | None = None, env: Mapping[str, str] | None = None,
                 ready_path: str = "/.well-known/vidensnet", start_timeout: float = START_SECONDS,
                 cli_timeout: float | None = CLI_SECONDS, url: str | None = None):
        self.home = Path(home)
        self.port = port or free_port()
        self.direct_url = f"http://127.0.0.1:{self.port}"
        self.url = url or self.direct_url
        self.env = dict(env or {})
        self.ready_path = ready_path
        self.start_timeout = start_timeout
        self.cli_timeout = cli_timeout
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._id: str | None = None
        self._peers: set[str] | None = None  # ids of the peers it has added; None: not known yet

    # --- the data directory --------------------------------------------------------------------

    @property
    def log_path(self) -> Path:
        return self.home / self.log_name

    @property
    def initialised(self) -> bool:
        return (self.home / "node.json").exists()

    @property
    def id(self) -> str:
        """The node's id, from its node.json."""
        if self._id is None:
            self._id = json.loads((self.home / "node.json").read_text(encoding="utf-8"))["id"]
        return self._id

    @property
    def kind(self) -> str:
        """The node's kind (municipality, police or national), from its node.json."""
        return json.loads((self.home / "node.json").read_text(encoding="utf-8"))["kind"]

    def cli(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run `vidensnet --home <this node> ...`."""
        return vidensnet(self.home, *args, input=input, check=check, timeout=self.cli_timeout, env=self.env)

    def init(self, name: str, kind: str, *, node_id: str | None = None, municipality: str | None = None,
             district: str | None = None) -> None:
        """`vidensnet init` with this node's URL (its id is made from the name unless given)."""
        args = ["init", "--name", name, "--kind", kind, "--url", self.url]
        args += ["--id", node_id] if node_id else []
        args += ["--municipality", municipality] if municipality else []
        args += ["--district", district] if district else []
        self.cli(*args)
        self._id, self._peers = None, set()

    def add_user(self, username: str, role: str, password: str) -> None:
        self.cli("user", "add", username, "--role", role, "--password-stdin", input=password + "\n")

    def api_token(self, username: str) -> str:
        """A new API token for the user."""
        return self.cli("user", "token", username).stdout.strip()

    def peer_ids(self) -> set[str]:
        """The ids of the nodes this node has added as peers (whatever their state)."""
        if self._peers is None:
            self._peers = {p["id"] for p in json.loads(self.cli("peer", "list", "--json").stdout)}
        return self._peers

    # --- the `run` process ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def serve_command(self) -> list[str]:
        """The subcommand (and its options) the process runs: `run` on this node's port."""
        return ["run", "--port", str(self.port)]

    def launch(self) -> None:
        """Start `vidensnet run` without waiting for it to answer."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self._log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "node", "--home", str(self.home), *self.serve_command()],
            stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=REPO)

    def wait_until_serving(self) -> None:
        # At its own address: a proxy in front may not be up yet, and answers for others too.
        wait_until_serving(self.direct_url + self.ready_path, self.proc, self.start_timeout, self.log_path)

    def start(self) -> None:
        """Start serving; returns when the node answers HTTP."""
        self.launch()
        self.wait_until_serving()

    def stop(self) -> None:
        """Stop gracefully: SIGTERM, and SIGKILL if it has not stopped within STOP_SECONDS."""
        if self.running:
            self.proc.terminate()
        self._reap()

    def kill(self) -> None:
        """Kill at once (SIGKILL), as a crash would."""
        if self.running:
            self.proc.kill()
        self._reap()

    def _reap(self) -> None:
        if self.proc is not None:
            try:
                self.proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_SECONDS)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self, lines: int = 30) -> str:
        """The last lines of the node's run.log."""
        return log_tail(self.log_path, lines)


def start_all(nodes: Iterable[ChildNode]) -> None:
    """Start the nodes side by side; returns when every one answers."""
    nodes = list(nodes)
    for node in nodes:
        node.launch()
    for node in nodes:
        node.wait_until_serving()


def stop_all(nodes: Iterable[ChildNode]) -> None:
    """SIGTERM to every node first, then wait for each (SIGKILL for any that does not stop in time)."""
    nodes = list(nodes)
    for node in nodes:
        if node.running:
            node.proc.terminate()
    for node in nodes:
        node.stop()


# Whose endorsement alone introduces other nodes' keys, by the approving node's kind, as an operator of a
# Danish deployment sets it up (docs/federation-protocol.md §14): a municipality lets its police district
# and the national bodies vouch, a police district the national bodies, and a national body the police
# districts (each for its own municipalities). Anyone else's word counts only with a second peer's.
INTRODUCERS = {"municipality": ("police", "national"), "police": ("national",), "national": ("police",)}


def peer(a: ChildNode, b: ChildNode) -> None:
    """Peer two running nodes both ways: a adds b (unless it has already), then each approves the other.

    Each marks the other as an introducer where INTRODUCERS says an operator would.
    """
    if b.id not in a.peer_ids():
        a.cli("peer", "add", b.url)
        a.peer_ids().add(b.id)
    a.cli("peer", "approve", b.id, *introducer_flag(a, b))
    b.cli("peer", "approve", a.id, *introducer_flag(b, a))


def introducer_flag(approving: ChildNode, approved: ChildNode) -> tuple[str, ...]:
    """`--introducer` when the approving node lets the approved one's endorsement count alone."""
    return ("--introducer",) if approved.kind in INTRODUCERS[approving.kind] else ()
