"""Which addresses an external feed may be fetched from: public ones, and internal hosts the administrator allows.

A feed address is chosen by whoever subscribes, and every redirect hop by the
feed's server; either could point the node at itself, its local network or a
cloud metadata service. So every hop's host is resolved here and refused when
any of its addresses is not public, and the fetch then connects to exactly the
addresses checked (node/subscriptions/fetching.py), so a DNS answer that changes
between the check and the connect (rebinding) cannot bring an internal address in.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> every address the name resolves to; getaddrinfo in production, a fake in unit tests.
Resolver = Callable[[str, int], Sequence[str]]

# Names that reach a cloud provider's instance metadata, and suffixes that only ever name internal hosts.
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                            "instance-data.ec2.internal", "metadata.azure.com", "metadata.tencentyun.com"})
INTERNAL_SUFFIXES = (".internal", ".local", ".localhost", ".localdomain", ".lan", ".home.arpa", ".intranet")
# Not covered by ipaddress's is_private/is_global in every Python version: carrier-grade NAT (Alibaba's
# metadata service is 100.100.100.200) and NAT64, whose addresses embed an IPv4 address.
SHARED_SPACE = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """The host is internal and not allowed; the message never names what it resolved to."""


class HostUnresolved(Exception):
    """The host's name could not be resolved."""


def is_internal(address: IPAddress) -> bool:
    """Whether an address is anything but a public unicast address (IPv4 forms inside IPv6 included)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or _nat64(address)
        if embedded is not None:
            return is_internal(embedded)
    return (not address.is_global or address.is_private or address.is_loopback or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified
            or (isinstance(address, ipaddress.IPv4Address) and address in SHARED_SPACE))


def is_allowed_host(host: str, port: int, allowed_hosts: Sequence[str]) -> bool:
    """Whether the administrator allows this host (any port) or this host:port (VIDENSNET_FEED_ALLOWED_HOSTS)."""
    host = _normal(host)
    return host in allowed_hosts or f"{host}:{port}" in allowed_hosts or f"[{host}]:{port}" in allowed_hosts


def static_refusal(host: str, port: int, allowed_hosts: Sequence[str]) -> bool:
    """Whether the host is refused without asking DNS: an internal address literal or an internal name."""
    if is_allowed_host(host, port, allowed_hosts):
        return False
    name = _normal(host)
    literal = _literal(name)
    if literal is not None:
        return is_internal(literal)
    return name in METADATA_HOSTS or name == "localhost" or name.endswith(INTERNAL_SUFFIXES) or "." not in name


def checked_addresses(host: str, port: int, allowed_hosts: Sequence[str], resolve: Resolver) -> list[str]:
    """The addresses to connect to for host:port, every one of them checked; AddressRefused if any is internal."""
    if static_refusal(host, port, allowed_hosts):
        raise AddressRefused(host)
    try:
        addresses = list(dict.fromkeys(resolve(_normal(host), port)))
    except (OSError, UnicodeError) as exc:
        raise HostUnresolved(host) from exc
    if not addresses:
        raise HostUnresolved(host)
    if not is_allowed_host(host, port, allowed_hosts) and any(
            is_internal(ipaddress.ip_address(a.split("%", 1)[0])) for a in addresses):
        # One internal answer is enough: a name that resolves to both is how rebinding attacks are staged.
        raise AddressRefused(host)
    return addresses


def resolve_host(host: str, port: int) -> list[str]:
    """Every address getaddrinfo gives for a TCP connection to host:port."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _normal(host: str) -> str:
    return host.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")


def _literal(name: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        pass
    try:
        # inet_aton reads the short and numeric forms browsers accept too: 127.1, 2130706433, 0x7f.0.0.1.
        return ipaddress.IPv4Address(socket.inet_aton(name)) if name.replace(".", "").isalnum() else None
    except OSError:
        return None


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
