"""One thread's kept HTTP connection to Meilisearch: urllib3's connection pool, used directly.

requests, which the node used before, prepares every call anew (URL parsing, hooks, cookie jars, merged
settings) and builds a second response object over urllib3's: about a third of a search's time in the
client, measured. urllib3 (requests' own transport, kept by the same maintainers) does the HTTP/1.1 work,
the kept connection, its timeouts and TLS, without that. Proxy and CA-bundle settings are read from the
environment as requests reads them (HTTP(S)_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), once,
when the connection is made.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import urllib3
from requests.certs import where as default_ca_bundle
from requests.utils import get_environ_proxies, select_proxy

REQUEST_TIMEOUT_SECONDS = 10
# No retries and no redirects: a failure is reported at once (search falls back to the database), as before.
NO_RETRIES = urllib3.Retry(total=0, read=False, redirect=False)
TIMEOUT = urllib3.Timeout(connect=REQUEST_TIMEOUT_SECONDS, read=REQUEST_TIMEOUT_SECONDS)
# Uncompressed answers: Meilisearch streams gzip in small chunks, and on a kept connection Nagle's
# algorithm and delayed ACKs then hold each answer back about 40 ms (measured).
IDENTITY = {"Accept-Encoding": "identity"}
# What a connection failure can raise: urllib3 wraps socket and TLS errors in its own HTTPError.
CONNECTION_ERRORS = (urllib3.exceptions.HTTPError, OSError)


class MeilisearchConnection:
    """A kept connection to one Meilisearch server, for one thread (urllib3's pool holding one connection)."""

    def __init__(self, url: str):
        base = url.rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise urllib3.exceptions.LocationValueError(f"not an http(s) URL: {url!r}")
        proxy = select_proxy(base, get_environ_proxies(base))
        options = _tls_options() if parts.scheme == "https" else {}
        options.update(timeout=TIMEOUT, retries=NO_RETRIES, maxsize=1)
        if proxy:
            # The proxy manager writes each request as the proxy needs it (the whole URL, or a tunnel for https).
            self._opener: urllib3.PoolManager | urllib3.HTTPConnectionPool = _proxy_manager(proxy, options)
            self._prefix = base
        else:
            self._opener = urllib3.connection_from_url(base, **options)
            self._prefix = parts.path

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        """Send one request and read the whole answer: its status and body; failures raise CONNECTION_ERRORS."""
        response = self._opener.urlopen(method, self._prefix + path, body=body, headers={**IDENTITY, **headers},
                                        retries=NO_RETRIES, redirect=False, timeout=TIMEOUT, preload_content=True)
        return response.status, response.data

    def close(self) -> None:
        """Close the connection; a later request opens a new one."""
        if isinstance(self._opener, urllib3.PoolManager):
            self._opener.clear()
        else:
            self._opener.close()


def _tls_options() -> dict[str, Any]:
    # requests verifies against REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when set, else certifi's bundle.
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or default_ca_bundle()
    where = {"ca_cert_dir": bundle} if os.path.isdir(bundle) else {"ca_certs": bundle}
    return {"cert_reqs": "CERT_REQUIRED", **where}


def _proxy_manager(proxy: str, options: dict[str, Any]) -> urllib3.PoolManager:
    if proxy.lower().startswith("socks"):
        from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks, as requests' SOCKS support does

        return SOCKSProxyManager(proxy, **options)
    return urllib3.ProxyManager(proxy, **options)
