"""The SAML service provider's signing key and self-signed certificate in the data directory's keys/.

SAML identity providers pin the certificate from the SP metadata, so a self-signed one is enough (KOMBIT and
NemLog-in ask for an OCES3 certificate in production: put it in the same files, docs/login.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from node.core.private_files import private_dir, write_private_text

SP_KEY_FILE = "saml-sp.key"
SP_CERT_FILE = "saml-sp.crt"
KEY_BITS = 3072
CERT_YEARS = 10


class SamlKeysExist(Exception):
    """The SP key is there already; replacing it breaks the registration at the IdP until it gets the new one."""


def sp_key_paths(keys_dir: Path) -> tuple[Path, Path]:
    """Where the SP's private key and certificate are kept."""
    return keys_dir / SP_KEY_FILE, keys_dir / SP_CERT_FILE


def generate_sp_keys(keys_dir: Path, common_name: str, *, force: bool = False, bits: int = KEY_BITS) -> Path:
    """Create the SP's RSA key and a self-signed certificate for it (both 0600); returns the certificate's path."""
    key_path, cert_path = sp_key_paths(keys_dir)
    if key_path.exists() and not force:
        raise SamlKeysExist(f"{key_path} exists already (--force replaces it)")
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "Vidensnet")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CERT_YEARS)).sign(key, hashes.SHA256()))
    private_dir(keys_dir)
    write_private_text(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()).decode("ascii"))
    write_private_text(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return cert_path


def ensure_sp_keys(keys_dir: Path, common_name: str) -> bool:
    """Create the SP keys if this data directory has none yet; True if created."""
    if sp_key_paths(keys_dir)[0].exists():
        return False
    generate_sp_keys(keys_dir, common_name)
    return True
