"""The IdP metadata source: a file or an https URL, fetched with a size cap, refused when it names no usable IdP."""

from __future__ import annotations

import pytest

from node.accounts.saml_metadata import METADATA_MAX_BYTES, IdpMetadata, SamlUnavailable, fetch_metadata
from node.core.config import ConfigError, load_organisation_login

IDP = """<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{key}
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
                            Location="https://idp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""
KEY = """<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
    <ds:X509Certificate>MIIBdGVzdA==</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"""


def test_metadata_from_a_file_gives_the_entity_id_sso_url_and_signing_certificate(tmp_path):
    path = tmp_path / "idp.xml"
    path.write_text(IDP.format(key=KEY), encoding="utf-8")
    idp = IdpMetadata(str(path)).current()
    assert (idp["entityId"], idp["singleSignOnService"]["url"]) == ("https://idp.example/", "https://idp.example/sso")
    assert idp["x509cert"] == "MIIBdGVzdA=="


def test_metadata_without_a_signing_certificate_a_missing_file_or_broken_xml_makes_saml_unavailable(tmp_path):
    path = tmp_path / "idp.xml"
    path.write_text(IDP.format(key=""), encoding="utf-8")
    with pytest.raises(SamlUnavailable, match="signing certificate"):
        IdpMetadata(str(path)).current()
    with pytest.raises(SamlUnavailable, match="No such file"):
        IdpMetadata(str(tmp_path / "missing.xml")).current()
    path.write_text("<md:EntityDescriptor", encoding="utf-8")
    with pytest.raises(SamlUnavailable):
        IdpMetadata(str(path)).current()


def test_a_metadata_document_over_the_size_cap_is_refused(feeds):
    url = feeds.put("/big.xml", IDP.format(key=KEY) + " " * METADATA_MAX_BYTES, "application/samlmetadata+xml")
    with pytest.raises(ValueError, match="larger than"):
        fetch_metadata(url)
    assert "idp.example" in fetch_metadata(feeds.put("/small.xml", IDP.format(key=KEY)))


@pytest.mark.parametrize("source", ["http://idp.example/metadata", "ftp://idp.example/metadata"])
def test_metadata_from_a_url_that_is_not_https_refuses_to_start(monkeypatch, source):
    monkeypatch.setenv("VIDENSNET_SAML_IDP_METADATA", source)
    with pytest.raises(ConfigError, match="VIDENSNET_SAML_IDP_METADATA"):
        load_organisation_login()
