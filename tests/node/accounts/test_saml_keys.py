"""The SAML SP key: made by `vidensnet init`, private, and replaced by `vidensnet saml keys` only with --force."""

from __future__ import annotations

import stat

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from node.accounts.saml_keys import sp_key_paths
from tests.helpers.live_nodes import vidensnet


def _init(home) -> None:
    vidensnet(home, "init", "--name", "Randers Kommune", "--kind", "municipality", "--municipality", "0730",
              "--url", "https://vidensnet.randers.dk")


def test_init_creates_an_rsa_3072_key_and_a_matching_self_signed_certificate_readable_by_the_node_only(tmp_path):
    home = tmp_path / "node"
    _init(home)
    key_path, cert_path = sp_key_paths(home / "keys")
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert key.key_size == 3072 and cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert "Randers Kommune" in cert.subject.rfc4514_string()
    assert {stat.S_IMODE(p.stat().st_mode) for p in (key_path, cert_path)} == {0o600}


def test_saml_keys_refuses_to_replace_the_key_without_force_and_replaces_it_with_force(tmp_path):
    home = tmp_path / "node"
    _init(home)
    key_path, _ = sp_key_paths(home / "keys")
    before = key_path.read_bytes()
    refused = vidensnet(home, "saml", "keys", check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr and key_path.read_bytes() == before
    done = vidensnet(home, "saml", "keys", "--force")
    assert "https://vidensnet.randers.dk/saml/metadata" in done.stdout and key_path.read_bytes() != before


def test_saml_keys_gives_a_node_from_before_saml_its_key(tmp_path):
    home = tmp_path / "node"
    _init(home)
    for path in sp_key_paths(home / "keys"):
        path.unlink()
    vidensnet(home, "saml", "keys")
    assert all(path.exists() for path in sp_key_paths(home / "keys"))
