"""The SAML service provider's settings for python3-saml: this node as SP, its IdP from VIDENSNET_SAML_IDP_METADATA.

The IdP metadata is a file, or an https URL fetched with a deadline and a size cap and kept for an hour (the last
good copy stays in use while the IdP's server does not answer). Fetching is a network call: the caller makes it
before it opens a database transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as SAML
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from node.accounts.saml_keys import sp_key_paths
from node.core.config import NodeConfig

log = logging.getLogger(__name__)

METADATA_PATH, ACS_PATH = "/saml/metadata", "/saml/acs"
FETCH_SECONDS = 10
METADATA_MAX_BYTES = 2 * 1024 * 1024  # KOMBIT's and NemLog-in's metadata are a few dozen kB
REFRESH_SECONDS = 3600
PERSISTENT = SAML.NAMEID_PERSISTENT


class SamlUnavailable(Exception):
    """The SAML login cannot work now: no SP key, or no usable IdP metadata."""


@dataclass
class IdpMetadata:
    """The IdP's metadata from a file or an https URL, parsed for python3-saml and cached."""

    source: str
    _parsed: dict | None = None
    _fetched_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self) -> dict:
        """The IdP part of python3-saml's settings (entity id, SSO URL, signing certificates)."""
        with self._lock:
            if self._parsed is None or self._stale():
                try:
                    self._parsed, self._fetched_at = self._load(), time.monotonic()
                except (OSError, ValueError, etree.LxmlError, requests.RequestException) as exc:
                    if self._parsed is None:
                        raise SamlUnavailable(f"IdP metadata from {self.source}: {exc}") from exc
                    log.warning("IdP metadata from %s could not be refreshed, keeping the last copy: %s",
                                self.source, exc)
                    self._fetched_at = time.monotonic()
            return self._parsed

    def _stale(self) -> bool:
        # A file is read once per process (restart the node after replacing it); a URL is refreshed hourly.
        return self.source.startswith("https://") and time.monotonic() - self._fetched_at > REFRESH_SECONDS

    def _load(self) -> dict:
        text = fetch_metadata(self.source) if self.source.startswith("https://") else Path(self.source).read_text(
            encoding="utf-8")
        idp = OneLogin_Saml2_IdPMetadataParser.parse(text).get("idp")
        if not idp or not idp.get("entityId") or not idp.get("singleSignOnService", {}).get("url"):
            raise ValueError("no IdP entity with an HTTP-Redirect SingleSignOnService")
        if not idp.get("x509cert") and not idp.get("x509certMulti", {}).get("signing"):
            raise ValueError("no signing certificate in the IdP metadata")
        return idp


def fetch_metadata(url: str) -> str:
    """The metadata document at an https URL, within FETCH_SECONDS and METADATA_MAX_BYTES."""
    with requests.get(url, timeout=FETCH_SECONDS, stream=True) as response:
        response.raise_for_status()
        body = bytearray()
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > METADATA_MAX_BYTES:
                raise ValueError(f"IdP metadata larger than {METADATA_MAX_BYTES} bytes")
    return body.decode("utf-8")


def sp_entity_id(config: NodeConfig) -> str:
    """This SP's entity id: VIDENSNET_SAML_ENTITY_ID, or the URL of its metadata."""
    return config.login.saml_entity_id or config.node.url.rstrip("/") + METADATA_PATH


def acs_url(config: NodeConfig) -> str:
    """Where the IdP posts its response: the node's public URL, never the Host header of a request."""
    return config.node.url.rstrip("/") + ACS_PATH


def sp_settings(config: NodeConfig) -> dict:
    """This node as a service provider: signed AuthnRequests, signed assertions required, persistent NameID."""
    key_path, cert_path = sp_key_paths(config.keys_dir)
    try:
        key, cert = key_path.read_text(encoding="ascii"), cert_path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise SamlUnavailable(f"no SAML SP key in {config.keys_dir} (run `vidensnet saml keys`)") from exc
    return {
        "entityId": sp_entity_id(config),
        "assertionConsumerService": {"url": acs_url(config), "binding": SAML.BINDING_HTTP_POST},
        "NameIDFormat": PERSISTENT,
        "x509cert": cert,
        "privateKey": key,
    }


SECURITY = {
    "authnRequestsSigned": True,
    "wantAssertionsSigned": True,
    # OIOSAML 3 signs the assertion; a signed Response around it is checked when present, not required.
    "wantMessagesSigned": False,
    "wantNameId": True,
    "wantNameIdEncrypted": False,
    "wantAssertionsEncrypted": False,
    "signMetadata": False,
    # NemLog-in and the Context Handler decide the level of assurance themselves (docs/login.md).
    "requestedAuthnContext": False,
    "signatureAlgorithm": SAML.RSA_SHA256,
    "digestAlgorithm": SAML.SHA256,
    "rejectDeprecatedAlgorithm": True,
    "wantAttributeStatement": False,
    "allowRepeatAttributeName": True,
}


def saml_settings(config: NodeConfig, idp: dict) -> dict:
    """python3-saml's settings for this node with its IdP (an empty `idp` only with sp_validation_only)."""
    return {"strict": True, "debug": False, "sp": sp_settings(config), "security": dict(SECURITY), "idp": idp}
