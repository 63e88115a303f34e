"""A Meilisearch process the node starts, watches and stops itself (when no server is configured)."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from node.core.config import load_search_settings
from node.core.private_files import open_private_log, private_dir
from search.binary import find_meilisearch

log = logging.getLogger(__name__)
START_TIMEOUT_SECONDS = 30


def free_local_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # Linux: if the node is killed (even with SIGKILL), its Meilisearch gets SIGTERM instead of
    # living on and keeping the data directory locked against the restarted node.
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ManagedMeilisearch:
    """One local Meilisearch bound to 127.0.0.1, with its data in the node's data directory."""

    def __init__(self, data_dir: Path, master_key: str, port: int | None = None, binary: Path | None = None):
        self.data_dir, self.master_key = data_dir, master_key
        self.port = port or free_local_port()
        self.binary = binary or find_meilisearch(load_search_settings().meilisearch_bin)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process and wait until it answers /health."""
        private_dir(self.data_dir)
        log_file = open_private_log(self.data_dir / "meilisearch.log")
        self.process = subprocess.Popen(
            [str(self.binary), "--db-path", str(self.data_dir / "data.ms"), "--http-addr", f"127.0.0.1:{self.port}",
             "--env", "production", "--no-analytics",
             "--dump-dir", str(self.data_dir / "dumps"), "--snapshot-dir", str(self.data_dir / "snapshots")],
            # The key goes through the environment: on the command line it would show in `ps` to every
            # local user, and a generated key starting with "-" would be read as an option.
            env={**os.environ, "MEILI_MASTER_KEY": self.master_key},
            # umask 077: the index it writes holds what the node holds, so only the node's user may read it.
            stdout=log_file, stderr=subprocess.STDOUT, cwd=self.data_dir, preexec_fn=_die_with_parent, umask=0o077,
        )
        self._wait_until_healthy()
        log.info("Meilisearch started on %s (pid %d)", self.url, self.process.pid)

    def ensure_running(self) -> bool:
        """Restart the process if it has died; True when it had to be restarted."""
        if self.process is not None and self.process.poll() is None:
            return False
        log.warning("Meilisearch is not running; starting it again")
        self.start()
        return True

    def stop(self) -> None:
        """Stop the process (it flushes its data on SIGTERM)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_file = self.data_dir / "meilisearch.log"
                raise RuntimeError(f"Meilisearch exited with {self.process.returncode}; see {log_file}")
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"Meilisearch did not answer on {self.url} within {START_TIMEOUT_SECONDS}s")
