"""`vidensnet serve`: the web app, API and federation endpoints in several gunicorn processes, nothing else.

No scheduler and no Meilisearch run here: the background worker (`vidensnet worker`) does that, and
these processes connect to its search (node/search_connection.py). Each process builds its own
app after the fork, so each has its own database engine. Request metrics are shared between the
processes through prometheus_client's multiprocess directory, emptied at every start.
"""

from __future__ import annotations

import os
import shutil

import gunicorn.http.wsgi
from gunicorn.app.base import BaseApplication

from node.core.config import PROMETHEUS_MULTIPROC_VARIABLE, NodeConfig
from node.core.logs import configure_diagnostics
from node.core.private_files import private_dir
from node.process import open_process
from node.search_connection import web_search

THREADS_PER_WORKER = 4
# Slow requests (an export, a large federation page) are answered, not killed; a hung worker still is.
WORKER_TIMEOUT_SECONDS = 120
# The same Server header `vidensnet run` sends (waitress's ident); gunicorn writes this module global itself.
gunicorn.http.wsgi.SERVER = "vidensnet"


class NodeWebServer(BaseApplication):
    """gunicorn, configured in code: gthread workers, the node's own access log, and the app built per worker."""

    def __init__(self, config: NodeConfig, host: str, port: int, workers: int):
        self.node_config, self.bind, self.worker_count = config, f"{host}:{port}", workers
        super().__init__()

    def load_config(self) -> None:
        """gunicorn's settings for the node's web processes."""
        settings = {
            "bind": [self.bind], "workers": self.worker_count, "worker_class": "gthread",
            "threads": THREADS_PER_WORKER, "timeout": WORKER_TIMEOUT_SECONDS, "preload_app": False,
            # node.web.access_log writes the one access log (vidensnet.access); gunicorn's would double it.
            "accesslog": None, "disable_redirect_access_to_syslog": True,
            # Only ProxyFix (VIDENSNET_TRUSTED_PROXIES, in create_app) reads a proxy's headers; gunicorn trusts none,
            # so none is applied twice, and FORWARDED_ALLOW_IPS in the environment changes nothing.
            "secure_scheme_headers": {}, "forwarded_allow_ips": "", "forwarder_headers": "",
            "child_exit": _forget_dead_worker, "post_fork": _configure_worker,
            "proc_name": f"vidensnet-serve {self.node_config.node.id}",
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        """The node's app, built in the worker process after the fork."""
        # Imported here, after the fork and after PROMETHEUS_MULTIPROC_DIR is set: prometheus_client picks its
        # (shared, file-backed) kind of values when it is first imported.
        from node.web.app import create_app

        config = self.node_config
        return create_app(process=open_process(config, web_search(config.home, config.search)))


def _configure_worker(_server, _worker) -> None:
    configure_diagnostics()


def _forget_dead_worker(_server, worker) -> None:
    # A dead worker's counters stay in the totals; its live gauges must not (prometheus_client's multiprocess mode).
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def prepare_metrics_directory(config: NodeConfig) -> None:
    """Give the web processes an empty, private directory for their shared metrics (before any of them starts)."""
    directory = config.home / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    private_dir(directory)
    os.environ[PROMETHEUS_MULTIPROC_VARIABLE] = str(directory)


def serve_node(config: NodeConfig, host: str, port: int, workers: int) -> None:
    """Serve the node's web in `workers` gunicorn processes until stopped (SIGTERM: a graceful stop)."""
    configure_diagnostics()
    prepare_metrics_directory(config)
    NodeWebServer(config, host, port, workers).run()
