"""SimpleSAMLphp (Debian's package) as the real SAML identity provider of the tests, served by PHP's own server.

The configuration is written into a temporary directory from the templates in tests/helpers/simplesamlphp/,
with an IdP key generated here; `register_sp` adds a service provider from its metadata XML the way an IdP
operator does. `browser_login` follows a browser's steps at the IdP: the redirect with the AuthnRequest, the
username/password form, and the auto-POST form carrying SAMLResponse and RelayState back to the node's ACS.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from tests.helpers.live_nodes import free_port
from tests.helpers.missing_tools import require_installed

TEMPLATES = Path(__file__).with_name("simplesamlphp")
SIMPLESAMLPHP_WWW = Path("/usr/share/simplesamlphp/www")
START_SECONDS = 60  # PHP's server answers in well under a second; generous for a loaded 2-core machine
HTTP_TIMEOUT = 30


def direct_session() -> requests.Session:
    """A browser-like HTTP session straight to 127.0.0.1, whatever http_proxy says."""
    browser = requests.Session()
    browser.trust_env = False
    return browser


def make_key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """An RSA key and self-signed certificate (PEM files `name`.key and `name`.crt) for a test IdP."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class SimpleSamlIdp:
    """A SimpleSAMLphp IdP on 127.0.0.1 with the users of authsources.php (password: username + '-pw')."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.url}/saml2/idp/metadata.php"
        self.proc: subprocess.Popen | None = None
        for sub in ("cert", "log", "data", "tmp", "metadata/sp", "sessions"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        self.key_path, self.cert_path = make_key_pair(directory / "cert", "idp")
        markers = {"@@BASEURL@@": self.url, "@@DIR@@": str(directory), "@@SALT@@": secrets.token_hex(16)}
        for template in TEMPLATES.glob("*.php"):
            text = template.read_text(encoding="utf-8")
            for marker, value in markers.items():
                text = text.replace(marker, value)
            target = directory / ("metadata" if template.name.startswith("saml20-") else "") / template.name
            target.write_text(text, encoding="utf-8")

    def start(self) -> None:
        """Serve with `php -S` and wait until the IdP's metadata answers."""
        env = {**os.environ, "SIMPLESAMLPHP_CONFIG_DIR": str(self.dir)}
        self._log = (self.dir / "php-server.log").open("a")
        self.proc = subprocess.Popen(["php", "-S", f"127.0.0.1:{self.port}", "-t", str(SIMPLESAMLPHP_WWW)],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=self.dir)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"php -S exited with {self.proc.returncode}; see {self.dir / 'php-server.log'}")
            try:
                if direct_session().get(self.entity_id, timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"SimpleSAMLphp did not answer within {START_SECONDS} s")

    def stop(self) -> None:
        """Stop PHP's server (SIGTERM, then SIGKILL)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def metadata_file(self, directory: Path) -> Path:
        """The IdP's metadata XML, saved as a file for VIDENSNET_SAML_IDP_METADATA."""
        path = directory / "idp-metadata.xml"
        path.write_text(direct_session().get(self.entity_id, timeout=HTTP_TIMEOUT).text, encoding="utf-8")
        return path

    def register_sp(self, name: str, metadata_xml: str, *, encrypt_assertions: bool = False) -> None:
        """Register a service provider from its metadata (read again at the IdP's next request)."""
        (self.dir / "metadata" / "sp" / f"{name}.xml").write_text(metadata_xml, encoding="utf-8")
        marker = self.dir / "metadata" / "sp" / f"{name}.encrypt"
        if encrypt_assertions:
            marker.touch()
        else:
            marker.unlink(missing_ok=True)


class _Forms(HTMLParser):
    """The forms of a page: each form's action and its named input values."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
        elif tag in ("input", "button") and self.forms and attrs.get("name"):
            self.forms[-1][1].setdefault(attrs["name"], attrs.get("value") or "")


def page_forms(html: str) -> list[tuple[str, dict[str, str]]]:
    """The forms on a page, as (action, fields)."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def browser_login(browser: requests.Session, idp_url: str, username: str) -> tuple[str, dict[str, str]]:
    """At the IdP, from the node's redirect to the auto-POST form: returns (ACS URL, {SAMLResponse, RelayState})."""
    page = browser.get(idp_url, timeout=HTTP_TIMEOUT)
    page.raise_for_status()
    action, fields = next(f for f in page_forms(page.text) if "password" in f[1])
    fields.update(username=username, password=f"{username}-pw")
    answer = browser.post(urljoin(page.url, action), data=fields, timeout=HTTP_TIMEOUT)
    answer.raise_for_status()
    action, fields = next(f for f in page_forms(answer.text) if "SAMLResponse" in f[1])
    return action, {"SAMLResponse": fields["SAMLResponse"], "RelayState": fields.get("RelayState", "")}


def simplesamlphp_available() -> str | None:
    """Why SimpleSAMLphp cannot run here, or None when it can."""
    if shutil.which("php") is None or not SIMPLESAMLPHP_WWW.is_dir():
        return "SimpleSAMLphp or PHP is not installed (deploy/test.sh installs simplesamlphp php-xml php-mbstring)"
    return None


@pytest.fixture(scope="session")
def simplesamlphp(tmp_path_factory):
    """A running SimpleSAMLphp IdP for the whole test session."""
    require_installed(simplesamlphp_available())
    idp = SimpleSamlIdp(tmp_path_factory.mktemp("simplesamlphp"))
    started = time.monotonic()
    try:
        idp.start()
        idp.start_seconds = time.monotonic() - started
        yield idp
    finally:
        idp.stop()


SAML_NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol", "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
           "ds": "http://www.w3.org/2000/09/xmldsig#"}


def response_xml(saml_response: str):
    """The posted SAMLResponse as an lxml tree."""
    return etree.fromstring(base64.b64decode(saml_response))


def encode_response(root) -> str:
    """An lxml tree as a SAMLResponse form value."""
    return base64.b64encode(etree.tostring(root)).decode("ascii")


def without_signatures(root):
    """The response with every XML signature (of the Response and of the Assertion) taken out."""
    for signature in root.findall(".//ds:Signature", SAML_NS):
        signature.getparent().remove(signature)
    return root


RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"  # RFC 6931


def sign_assertion(root, key_path: Path, cert_path: Path, *, rsa_pss: bool = False):
    """The response with its assertion signed (again) with this key, as an IdP does (RSA-SHA256 or RSA-PSS)."""
    without_signatures(root)
    assertion = root.find("saml:Assertion", SAML_NS)
    # Signed on its own (add_sign signs the element around the first Issuer it finds), then put back.
    signed = etree.fromstring(OneLogin_Saml2_Utils.add_sign(etree.tostring(assertion), key_path.read_text(),
                                                            cert_path.read_text()))
    if rsa_pss:  # python3-saml has no name for RSA-PSS; libxmlsec1 1.3 signs with whatever the template says
        _sign_again(signed, key_path, cert_path, RSA_PSS_SHA256)
    root.replace(assertion, signed)
    return root


def _sign_again(element, key_path: Path, cert_path: Path, algorithm: str) -> None:
    signature = element.find("ds:Signature", SAML_NS)
    signature.find("ds:SignedInfo/ds:SignatureMethod", SAML_NS).set("Algorithm", algorithm)
    xmlsec.tree.add_ids(element, ["ID"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_file(str(key_path), xmlsec.KeyFormat.PEM)
    context.key.load_cert_from_file(str(cert_path), xmlsec.KeyFormat.PEM)
    context.sign(signature)
