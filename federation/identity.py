"""A node's Ed25519 key pair on disk and its public key in wire form."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from node.core.private_files import private_dir, write_private_text

KEY_FILE = "node.key"


class NodeKeyError(RuntimeError):
    """A missing or unreadable key file, with a message for the operator."""


def b64url(data: bytes) -> str:
    """Base64url without padding, as used everywhere on the wire."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on bad input."""
    if not isinstance(text, str):
        raise ValueError("expected a base64url string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_node_key(keys_dir: Path) -> Ed25519PrivateKey:
    """Create the node's private key file (mode 0600); refuses to replace an existing one."""
    path = keys_dir / KEY_FILE
    if path.exists():
        raise NodeKeyError(f"{path} exists already; a node keeps its key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    private_dir(keys_dir)
    write_private_text(path, pem.decode("ascii"))
    return key


def ensure_node_key(keys_dir: Path) -> bool:
    """Create the node key if this data directory predates keys (an upgraded node); True if created."""
    if (keys_dir / KEY_FILE).exists():
        return False
    generate_node_key(keys_dir)
    return True


def load_node_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The node's private key from its data directory."""
    path = keys_dir / KEY_FILE
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise NodeKeyError(f"no node key at {path}: was this node created with 'vidensnet init'?") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise NodeKeyError(f"{path} is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64url: the form used in descriptors."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64url(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Parse a descriptor's public key; raises ValueError when it is not 32 base64url bytes."""
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)
