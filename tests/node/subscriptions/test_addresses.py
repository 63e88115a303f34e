"""The address policy for external feeds, with a fake resolver: internal addresses refused after DNS, unless allowed."""

from __future__ import annotations

import ipaddress

import pytest

from node.subscriptions.addresses import (
    AddressRefused,
    HostUnresolved,
    checked_addresses,
    is_internal,
    static_refusal,
)

INTERNAL = ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "169.254.1.1",
            "100.64.0.1", "100.100.100.200", "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1",
            "255.255.255.255", "192.0.2.1", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254",
            "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::7f00:1",
            "2002:7f00:1::1", "2001:db8::1"]
PUBLIC = ["93.184.216.34", "185.15.59.224", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"]


def resolver(answers: dict[str, list[str]]):
    return lambda host, port: answers[host]


@pytest.mark.parametrize("address", INTERNAL)
def test_loopback_private_link_local_metadata_shared_multicast_reserved_and_mapped_forms_are_internal(address):
    assert is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_unicast_addresses_are_not_internal(address):
    assert not is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "fd00::5"])
def test_a_name_resolving_to_an_internal_address_is_refused_without_naming_the_address(address):
    with pytest.raises(AddressRefused) as refused:
        checked_addresses("feeds.example", 443, (), resolver({"feeds.example": [address]}))
    assert address not in str(refused.value)


def test_one_internal_answer_among_public_ones_is_enough_to_refuse():
    # A rebinding name answers with both: the connect could land on either.
    with pytest.raises(AddressRefused):
        checked_addresses("feeds.example", 443, (), resolver({"feeds.example": ["93.184.216.34", "127.0.0.1"]}))


def test_a_public_name_gives_exactly_the_addresses_checked():
    answers = resolver({"feeds.example": ["93.184.216.34", "2606:4700:4700::1111", "93.184.216.34"]})
    assert checked_addresses("feeds.example", 443, (), answers) == ["93.184.216.34", "2606:4700:4700::1111"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST.", "metadata.google.internal",
                                  "169.254.169.254", "[::1]", "intranet", "db.internal", "printer.local",
                                  "2130706433", "0x7f.0.0.1", "127.1", "[::ffff:127.0.0.1]"])
def test_internal_literals_and_names_are_refused_without_asking_dns(host):
    def no_dns(*_):
        raise AssertionError("DNS was asked")

    assert static_refusal(host, 80, ())
    with pytest.raises(AddressRefused):
        checked_addresses(host, 80, (), no_dns)


def test_an_allow_listed_host_may_be_internal_on_any_port_or_only_on_its_port():
    internal = resolver({"intranet.kommune.dk": ["10.0.0.5"], "127.0.0.1": ["127.0.0.1"]})
    assert checked_addresses("intranet.kommune.dk", 8443, ("intranet.kommune.dk",), internal) == ["10.0.0.5"]
    assert checked_addresses("127.0.0.1", 8080, ("127.0.0.1:8080",), internal) == ["127.0.0.1"]
    with pytest.raises(AddressRefused):
        checked_addresses("127.0.0.1", 8081, ("127.0.0.1:8080",), internal)


def test_a_name_that_does_not_resolve_is_unresolved_not_refused():
    def nxdomain(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(HostUnresolved):
        checked_addresses("nope.example", 443, (), nxdomain)
