"""Outbound connections to servers an administrator names (the IMAP mailboxes).

Whoever may edit a mailbox chooses a host and a port, and the server then connects there:
without a guard that is a way to reach the site's own machine, its private network or a
cloud metadata address. ``resolve`` looks the name up once and refuses it when any of its
addresses is not public; ``connect`` then opens the connection to exactly those checked
addresses, so a second DNS answer cannot send it elsewhere (DNS rebinding). The caller keeps
the host name for TLS, where it is the name the certificate must match.

Private servers are reached only through ``MAIL_ALLOWED_PRIVATE_NETWORKS``.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .conf import app_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# NAT64 translates these to the IPv4 address in their last 32 bits (RFC 6052); the
# local-use prefix (RFC 8215) leads into the site's own networks
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class AddressRefused(Exception):
    """The host or port may not be connected to; the text is safe to show an administrator
    (it does not say what a name resolved to)."""


@dataclass(frozen=True)
class Endpoint:
    """One checked address to connect to, as ``getaddrinfo`` gave it."""

    family: int
    type: int
    proto: int
    sockaddr: tuple


def check_port(port: object) -> int:
    """The port as an integer between 1 and 65535, or ``AddressRefused``."""
    try:
        number = int(port)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AddressRefused(_("Enter a port between 1 and 65535.")) from None
    if isinstance(port, bool) or not 1 <= number <= 65535:
        raise AddressRefused(_("Enter a port between 1 and 65535."))
    return number


def host_name(host: str) -> str:
    """The host as it is looked up and given to TLS: trimmed, an IPv6 address without the
    brackets of a URL."""
    name = (host or "").strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address. IPv4-mapped and NAT64 addresses
    are judged by the IPv4 address they stand for, and 6to4 addresses by theirs as well."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address in _NAT64_LOCAL or address.is_site_local:
            return False
        if address.sixtofour is not None and not is_public(address.sixtofour):
            return False
    return not (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def is_allowed(address: IPAddress, networks: tuple | None = None) -> bool:
    """Whether the site lets its servers connect to ``address``: a public address, or one
    inside ``networks`` (default: ``MAIL_ALLOWED_PRIVATE_NETWORKS``)."""
    if networks is None:
        networks = app_settings.MAIL_ALLOWED_PRIVATE_NETWORKS
    if is_public(address):
        return True
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)  # the same address on a dual-stack socket
    return any(
        candidate in network
        for network in networks
        for candidate in candidates
        if candidate.version == network.version
    )


def resolve(host: str, port: object, networks: tuple | None = None) -> list[Endpoint]:
    """Look ``host`` up once and return its addresses, refusing the whole name when any
    of them is not allowed (a name with one public and one private address could be
    connected to the private one). ``networks``: the private networks allowed (default:
    ``MAIL_ALLOWED_PRIVATE_NETWORKS``; webhooks pass their own)."""
    number = check_port(port)
    if networks is None:
        networks = app_settings.MAIL_ALLOWED_PRIVATE_NETWORKS  # a wrong entry fails every time
    name = host_name(host)
    if not name:
        raise AddressRefused(_("Enter a host name or an IP address."))
    try:
        found = socket.getaddrinfo(name, number, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        raise AddressRefused(
            _("“%(host)s” cannot be found: check the name.") % {"host": name}
        ) from None
    endpoints: list[Endpoint] = []
    for family, kind, proto, _canonname, sockaddr in found:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            address = None
        if address is None or not is_allowed(address, networks):
            raise AddressRefused(
                _(
                    "“%(host)s” leads to a local, private or reserved network address; "
                    "this site does not connect there."
                )
                % {"host": name}
            )
        endpoint = Endpoint(family, kind, proto, tuple(sockaddr))
        if endpoint not in endpoints:
            endpoints.append(endpoint)
    if not endpoints:
        raise AddressRefused(_("“%(host)s” cannot be found: check the name.") % {"host": name})
    return endpoints


def connect(endpoints: list[Endpoint], timeout: float | None) -> socket.socket:
    """A TCP connection to the first of the checked ``endpoints`` that answers (never to
    anything else: the name is not looked up again)."""
    if not endpoints:
        raise OSError("no address to connect to")
    error: OSError | None = None
    for endpoint in endpoints:
        sock = socket.socket(endpoint.family, endpoint.type, endpoint.proto)
        try:
            sock.settimeout(timeout)
            sock.connect(endpoint.sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error  # type: ignore[misc]
