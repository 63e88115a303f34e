"""nginx from Debian's packages running the project's site (deploy/nginx/vidensnet.conf) in front of serve ports.

The site is filled in as docs/operations.md says (envsubst's four variables), with the changes a test on
127.0.0.1 needs: free ports instead of 80 and 443, no IPv6 listeners, one upstream line per serve port, and
`http2 on;` dropped on nginx older than 1.25.1 (Debian 12's 1.22), as the site's own comment says. Everything
nginx writes (pid, logs, temp files) stays in a temporary directory, and it runs in the foreground as a child
process of the test. The certificate is self-signed for IP 127.0.0.1; clients verify it against `cert_path`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
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

from tests.helpers.live_nodes import REPO, free_port
from tests.helpers.missing_tools import require_installed

SITE = REPO / "deploy" / "nginx" / "vidensnet.conf"
START_SECONDS = 20
STOP_SECONDS = 10
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
# The one address nginx lets read /metrics: not this test's, so that nginx's own refusal shows.
MONITORING_ADDR = "192.0.2.10"

# nginx's main configuration around the site, everything in the test's directory.
MAIN_CONFIG = """\
daemon off;
{user}
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
{temp_paths}
    include {dir}/site.conf;
}}
"""


def nginx_binary() -> Path | None:
    """nginx on PATH, Debian's installed one, or the one deploy/test.sh unpacked into var/nginx; None: none."""
    candidates = (shutil.which("nginx"), "/usr/sbin/nginx", str(REPO / "var" / "nginx" / "usr" / "sbin" / "nginx"))
    return next((Path(path) for path in candidates if path and Path(path).exists()), None)


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


def nginx_version(binary: Path) -> tuple[int, ...]:
    """The binary's version, e.g. (1, 22, 1), from `nginx -v`."""
    output = subprocess.run([str(binary), "-v"], capture_output=True, text=True).stderr
    return tuple(int(part) for part in re.search(r"nginx/([\d.]+)", output)[1].split("."))


def render_site(port: int, http_port: int, upstream_ports: Iterable[int], cert_dir: Path, http2: bool) -> str:
    """deploy/nginx/vidensnet.conf filled in for 127.0.0.1; each change must apply, or the site has moved on."""
    site = SITE.read_text(encoding="utf-8")
    upstream = "\n    ".join(f"server 127.0.0.1:{p};" for p in upstream_ports)
    changes = [("server ${NGINX_UPSTREAM};", upstream), ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
               ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("${NGINX_SERVER_NAME}", "127.0.0.1"),
               ("${NGINX_CERT_DIR}", str(cert_dir)), ("${NGINX_MONITORING_ADDR}", MONITORING_ADDR)]
    if not http2:
        changes.append(("    http2 on;\n", ""))
    for old, new in changes:
        assert old in site, f"{SITE} has no {old!r} any more: update tests/helpers/nginx.py"
        site = site.replace(old, new)
    return re.sub(r"^\s*listen \[::\]:\d+( ssl)?;\n", "", site, flags=re.MULTILINE)


class Nginx:
    """nginx on a free 127.0.0.1 port with TLS, round-robin over the upstream ports; `url` is its https address."""

    def __init__(self, directory: Path, upstream_ports: Iterable[int], port: int | None = None):
        self.dir = Path(directory)
        self.port = port or free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.cert_path = self.dir / "fullchain.pem"  # the site's file names; self-signed, so also the CA
        self.upstream_ports = list(upstream_ports)
        self.proc: subprocess.Popen | None = None

    def write_config(self, binary: Path) -> Path:
        """The certificate, the filled-in site and the main configuration; returns the latter's path."""
        self.dir.mkdir(parents=True, exist_ok=True)
        write_self_signed_certificate(self.cert_path, self.dir / "privkey.pem")
        http2 = nginx_version(binary) >= (1, 25, 1)
        site = render_site(self.port, free_port(), self.upstream_ports, self.dir, http2)
        (self.dir / "site.conf").write_text(site, encoding="utf-8")
        temp_paths = "\n".join(f"    {kind}_temp_path {self.dir}/{kind};" for kind in TEMP_PATHS)
        # As root, nginx's workers would run as `nobody`, who cannot enter the test's private temporary directory;
        # as anyone else the `user` directive is ignored with a warning, so it is written for root only.
        user = "user root root;" if os.geteuid() == 0 else ""
        config = self.dir / "nginx.conf"
        config.write_text(MAIN_CONFIG.format(dir=self.dir, temp_paths=temp_paths, user=user), encoding="utf-8")
        return config

    def start(self, binary: Path) -> None:
        """Start nginx in the foreground (`-p` keeps its default paths in the directory too); wait until it answers."""
        config = self.write_config(binary)
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
