"""Real `vidensnet worker` processes on one SQLite node: exactly one runs the jobs; a standby takes over."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, ChildNode, stop_all, wait_for
from tests.helpers.node_processes import WorkerProcess, lease_row, whole_log

LEASE_SECONDS = 2
WORKER_ENV = {"VIDENSNET_WORKER_LEASE_SECONDS": str(LEASE_SECONDS)}
# Processes start slowly on a busy 2-core CI machine; the lease's own timing is checked on its timestamps.
START_TIMEOUT = 60


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> ChildNode:
    """One node for the module's tests (each stops its processes; a killed worker's lease expires by itself)."""
    node = ChildNode(tmp_path_factory.mktemp("workers") / "aarhus")
    node.init("Aarhus Kommune", "municipality", municipality="0751")
    return node


def _worker(node: ChildNode, number: int, env: dict[str, str] = WORKER_ENV) -> WorkerProcess:
    """A started worker; each test numbers its own, as the module's node keeps every log (ChildNode appends)."""
    worker = WorkerProcess(node.home, env, number)
    worker.start()
    return worker


def _holder(node: ChildNode, *processes: ChildNode) -> ChildNode | None:
    row = lease_row(node.home)
    return next((p for p in processes if row["state"] == "held" and row["holder_pid"] == p.proc.pid), None)


def _stop(*processes: ChildNode | None) -> None:
    """stop_all for the processes a test has started (None: one it had not got to)."""
    stop_all([process for process in processes if process is not None])


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _meilisearch_url(node: ChildNode) -> str | None:
    path = node.home / "meilisearch" / "url"
    return path.read_text(encoding="utf-8") if path.exists() else None


def test_of_two_workers_one_runs_the_jobs_and_the_standby_takes_over_within_two_lease_periods_of_a_kill_9(node):
    active, standby = _worker(node, 1), None
    try:
        wait_for(lambda: _holder(node, active), START_TIMEOUT, message="a worker holding the lease")
        wait_for(lambda: "Meilisearch started" in whole_log(active), START_TIMEOUT, message="the active's jobs")
        # The second starts once the first runs its jobs: its start and the first's engines share the database.
        standby = _worker(node, 2)
        wait_for(lambda: "waiting as standby" in whole_log(standby), START_TIMEOUT, message="the standby's log line")
        search_before = _meilisearch_url(node)
        # Held, and renewed, for over two periods with the standby there: it has had every chance to take it.
        renewed = _time(lease_row(node.home)["renewed_at"])
        wait_for(lambda: (_time(lease_row(node.home)["renewed_at"]) - renewed).total_seconds() > 2 * LEASE_SECONDS,
                 START_TIMEOUT, message="renewals for two periods beside the standby")
        assert _holder(node, active, standby) is active
        assert "holding the worker lease" not in whole_log(standby) and "Meilisearch" not in whole_log(standby)
        active.kill()
        last_renewal = lease_row(node.home)["renewed_at"]  # the row as the killed worker left it
        wait_for(lambda: _holder(node, standby), START_TIMEOUT, message="the standby taking the lease over")
        taken = lease_row(node.home)
        assert (_time(taken["acquired_at"]) - _time(last_renewal)).total_seconds() <= 2 * LEASE_SECONDS
        wait_for(lambda: "Meilisearch started" in whole_log(standby), START_TIMEOUT,
                 message="the new holder's Meilisearch")
        assert _meilisearch_url(node) != search_before  # the new holder's own Meilisearch, not a second beside it
    finally:
        _stop(active, standby)


def test_a_worker_stopped_with_sigterm_releases_the_lease_so_the_standby_takes_it_before_it_would_expire(node):
    # A longer lease here, so that "before it would have expired" is seconds, not a race with the standby's tick.
    env = {"VIDENSNET_WORKER_LEASE_SECONDS": "6"}
    first, second = _worker(node, 3, env), None
    try:
        wait_for(lambda: _holder(node, first), START_TIMEOUT, message="the first worker holding the lease")
        second = _worker(node, 4, env)
        wait_for(lambda: "waiting as standby" in whole_log(second), START_TIMEOUT, message="the standby's log line")
        unreleased_expiry = _time(lease_row(node.home)["expires_at"])  # a renewal can only make it later
        first.stop()
        assert first.proc.returncode == 0 and "worker lease released" in whole_log(first)
        wait_for(lambda: _holder(node, second), START_TIMEOUT, message="the standby taking the released lease")
        assert _time(lease_row(node.home)["acquired_at"]) < unreleased_expiry
    finally:
        _stop(first, second)


def test_run_beside_an_active_worker_serves_the_web_and_waits_as_standby_without_running_the_jobs(node):
    worker, run = _worker(node, 5), None
    try:
        wait_for(lambda: _holder(node, worker), START_TIMEOUT, message="the worker holding the lease")
        run = ChildNode(node.home, port=node.port, env=WORKER_ENV)  # `vidensnet run --port`, on the worker's home
        run.launch()  # _ready below waits for it, and for its readiness with the worker's lease
        wait_for(lambda: _ready(node), START_TIMEOUT, message="run serving, ready with the worker's lease")
        assert "waiting as standby" in whole_log(run) and "holding the worker lease" not in whole_log(run)
        assert _holder(node, worker, run) is worker
        worker.kill()
        wait_for(lambda: _holder(node, run), START_TIMEOUT, message="run taking the lease over")
        wait_for(lambda: _ready(node), START_TIMEOUT, message="run ready with its own jobs")
    finally:
        _stop(run, worker)


def _ready(node: ChildNode) -> bool:
    try:
        return requests.get(node.url + "/readyz", timeout=HTTP_TIMEOUT).status_code == 200
    except requests.ConnectionError:
        return False
