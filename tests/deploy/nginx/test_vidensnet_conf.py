"""deploy/nginx/vidensnet.conf: the headers the node trusts are set, TLS and limits fit the node, nginx accepts it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.helpers.deploy_files import DEPLOY, REPO
from tests.helpers.missing_tools import require_installed

SITE = DEPLOY / "nginx" / "vidensnet.conf"
NGINX = os.environ.get("TEST_NGINX")  # another nginx binary to check the site with, if set
TEMPLATE_VARIABLES = {"NGINX_SERVER_NAME", "NGINX_UPSTREAM", "NGINX_CERT_DIR", "NGINX_MONITORING_ADDR"}
# What each ProxyFix argument makes the node believe (Werkzeug's ProxyFix).
PROXY_FIX_HEADERS = {"x_for": "X-Forwarded-For", "x_proto": "X-Forwarded-Proto", "x_host": "X-Forwarded-Host",
                     "x_port": "X-Forwarded-Port", "x_prefix": "X-Forwarded-Prefix"}


def _site() -> str:
    return SITE.read_text(encoding="utf-8")


def _directives(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_the_site_sets_every_forwarded_header_the_nodes_proxyfix_trusts():
    # A header the node trusts that nginx passed on from the client unchanged would be the client's word.
    app = (REPO / "node" / "web" / "app.py").read_text(encoding="utf-8")
    trusted = set(re.findall(r"\b(x_[a-z]+)=proxies", re.search(r"ProxyFix\((.*?)\)", app)[1]))
    assert {"x_for", "x_proto"} <= trusted
    site = _directives(_site())
    for argument in trusted:
        assert re.search(rf"proxy_set_header\s+{PROXY_FIX_HEADERS[argument]}\s+\$", site), argument
    assert "proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site


def test_plain_http_is_redirected_to_https_and_https_sends_hsts():
    site = _directives(_site())
    assert re.search(r"listen 80;.*?return 301 https://\$host\$request_uri;", site, re.DOTALL)
    assert re.search(r"add_header Strict-Transport-Security \"max-age=\d{8,}\" always;", site)
    assert re.search(r"ssl_protocols TLSv1\.2 TLSv1\.3;", site)


def test_nginx_lets_through_any_body_the_node_accepts_so_the_node_answers_a_larger_one():
    app = (REPO / "node" / "web" / "app.py").read_text(encoding="utf-8")
    factors = re.search(r"MAX_CONTENT_LENGTH=([\d\s*]+),", app)[1].split("*")
    node_limit = 1
    for factor in factors:
        node_limit *= int(factor)
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", _site())[1])
    assert megabytes * 2**20 > node_limit


def test_metrics_are_open_to_the_monitoring_address_only():
    block = re.search(r"location = /metrics \{(.*?)\n    \}", _directives(_site()), re.DOTALL)[1]
    assert re.findall(r"(allow|deny) ([^;]+);", block) == [("allow", "${NGINX_MONITORING_ADDR}"), ("deny", "all")]


def test_the_template_uses_only_its_four_variables_and_compose_fills_in_exactly_those():
    from tests.helpers.deploy_files import compose

    used = set(re.findall(r"\$\{([A-Z_]+)\}", _directives(_site())))
    assert used == TEMPLATE_VARIABLES
    nginx = compose()["services"]["nginx"]["environment"]
    assert TEMPLATE_VARIABLES <= set(nginx)
    assert all(re.fullmatch(nginx["NGINX_ENVSUBST_FILTER"], name) for name in TEMPLATE_VARIABLES)
    assert not re.fullmatch(nginx["NGINX_ENVSUBST_FILTER"], "NGINX_VERSION")


def _nginx() -> str | None:
    """nginx on PATH, Debian's installed one, or the one deploy/test.sh unpacked into var/nginx."""
    candidates = (shutil.which("nginx"), "/usr/sbin/nginx", str(REPO / "var" / "nginx" / "usr" / "sbin" / "nginx"))
    return next((path for path in candidates if path and Path(path).exists()), None)


def _self_signed(directory: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "viden.example.dk")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                              serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))


def test_nginx_accepts_the_site_filled_in_as_the_docs_say(tmp_path):
    nginx = NGINX or _nginx()
    require_installed(None if nginx else "nginx is not installed (deploy/test.sh unpacks Debian's into var/nginx)")
    _self_signed(tmp_path)
    site = _site()
    for name, value in {"NGINX_SERVER_NAME": "viden.example.dk", "NGINX_UPSTREAM": "127.0.0.1:8080",
                        "NGINX_CERT_DIR": str(tmp_path), "NGINX_MONITORING_ADDR": "192.0.2.10"}.items():
        site = site.replace("${" + name + "}", value)
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    if tuple(int(part) for part in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version).groups()) < (1, 25, 1):
        # What the site's comment tells an administrator of an older nginx (Debian 12's 1.22) to do.
        site = site.replace("    http2 on;\n", "").replace("listen 443 ssl;", "listen 443 ssl http2;")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"error_log stderr;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        "http {\n    access_log off;\n"
        # Inside tmp_path, not the compiled-in /var/lib/nginx: nginx -t creates these and the unpacked
        # binary (deploy/test.sh) has no such directory.
        + "".join(f"    {kind}_temp_path {tmp_path}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
        + f"    include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    result = subprocess.run([nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_both_locations_proxy_to_the_serve_upstream():
    site = _directives(_site())
    assert site.count("proxy_pass http://vidensnet_serve;") == 2  # / and /metrics
    assert re.search(r"upstream vidensnet_serve \{\s*server \$\{NGINX_UPSTREAM\};", site)
