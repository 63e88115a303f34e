"""nginx from Debian's packages terminating TLS in front of a node's serve ports, as docs/operations.md sets it up.

Everything nginx writes (pid, logs, temp files) stays in a temporary directory, and it runs in the
foreground as a child process of the test, so it is stopped with the test whatever user runs it.
The certificate is self-signed for IP 127.0.0.1; clients verify it against `cert_path`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.helpers.live_nodes import free_port
from tests.helpers.missing_tools import require_installed

START_SECONDS = 20
STOP_SECONDS = 10
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

# The server block of docs/operations.md, with `$http_host` for `$host`: here the public URL has a port, and
# the host a browser's Referer names (Flask-WTF compares them on https) then includes it.
CONFIG = """\
daemon off;
{user}
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
{temp_paths}
    upstream vidensnet {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate     {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        client_max_body_size 3m;

        location / {{
            proxy_pass http://vidensnet;
            proxy_set_header Host              $http_host;
            proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host  $http_host;
            proxy_set_header X-Request-Id      $request_id;
        }}
        location /metrics {{ deny all; }}
    }}
}}
"""


def nginx_binary() -> Path | None:
    """Debian's nginx, or None when it is not installed."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    return Path(found) if found else None


def require_nginx() -> Path:
    """nginx's path; fails under CI (deploy/test.sh installs it), skips elsewhere when it is missing."""
    binary = nginx_binary()
    require_installed(None if binary else "nginx is not installed; deploy/test.sh installs it from Debian's packages")
    return binary


def write_self_signed_certificate(cert_path: Path, key_path: Path) -> None:
    """A self-signed certificate for IP 127.0.0.1 (in its subjectAltName, which clients check), valid a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)


class Nginx:
    """nginx on a free 127.0.0.1 port with TLS, round-robin over the upstream ports; `url` is its https address."""

    def __init__(self, directory: Path, upstream_ports: Iterable[int], port: int | None = None):
        self.dir = Path(directory)
        self.port = port or free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.cert_path = self.dir / "cert.pem"
        self.upstream_ports = list(upstream_ports)
        self.proc: subprocess.Popen | None = None

    def write_config(self) -> Path:
        """The certificate and nginx.conf in the directory; returns the config's path."""
        self.dir.mkdir(parents=True, exist_ok=True)
        write_self_signed_certificate(self.cert_path, self.dir / "key.pem")
        temp_paths = "\n".join(f"    {kind}_temp_path {self.dir}/{kind};" for kind in TEMP_PATHS)
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in self.upstream_ports)
        config = self.dir / "nginx.conf"
        # As root, nginx's workers would run as `nobody`, who cannot enter the test's private temporary directory;
        # as anyone else the `user` directive is ignored with a warning, so it is written for root only.
        user = "user root root;" if os.geteuid() == 0 else ""
        config.write_text(CONFIG.format(dir=self.dir, port=self.port, temp_paths=temp_paths, servers=servers,
                                        user=user))
        return config

    def start(self, binary: Path) -> None:
        """Start nginx in the foreground (`-p` keeps its default paths in the directory too); wait until it answers."""
        config = self.write_config()
        # -e: the error log before the config is read (nginx 1.19.5+), otherwise it tries /var/log/nginx.
        self.proc = subprocess.Popen([str(binary), "-p", str(self.dir), "-e", str(self.dir / "error.log"),
                                      "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        # Any answer over TLS counts (a 502 while the upstream starts, too): nginx itself is up.
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {self.error_log()}")
            try:
                requests.get(self.url + "/healthz", verify=self.cert_path, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer on {self.url} within {START_SECONDS} s: {self.error_log()}")

    def error_log(self) -> str:
        path = self.dir / "error.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM (nginx's fast shutdown), SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_SECONDS)
