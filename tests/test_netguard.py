"""The outbound connection guard: a host an administrator names is looked up once and
refused when any of its addresses is loopback, link-local, private, multicast, reserved or
unspecified (also in IPv4-mapped, 6to4 and NAT64 form, and in the numeric spellings the
resolver accepts), unless the site lists it in ``MAIL_ALLOWED_PRIVATE_NETWORKS``."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from wagtail_tickets import netguard

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:4700:4700::1111"


def fake_dns(monkeypatch, names: dict[str, list[str]]) -> list[str]:
    """Answer ``getaddrinfo`` for ``names`` (each with its list of addresses; an empty list
    is "not found"); every other host is resolved as usual. Returns the names looked up."""
    real = socket.getaddrinfo
    names = {name.lower(): addresses for name, addresses in names.items()}
    asked: list[str] = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        asked.append(host)
        if str(host).lower() not in names:
            return real(host, port, family, type, proto, flags)
        addresses = names[str(host).lower()]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = []
        for address in addresses:
            if ":" in address:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return answers

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.fixture
def no_allow_list(settings):
    """A site that allows no private network (the default)."""
    settings.WAGTAIL_TICKETS = {
        key: value
        for key, value in settings.WAGTAIL_TICKETS.items()
        if key != "MAIL_ALLOWED_PRIVATE_NETWORKS"
    }


REFUSED = [
    "127.0.0.1",
    "127.0.0.53",
    "localhost",
    "::1",
    "[::1]",
    "0.0.0.0",
    "0",
    "::",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.10",
    "169.254.169.254",
    "100.64.0.1",  # shared address space of carrier NAT
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2130706433",  # 127.0.0.1 as one decimal number
    "0177.0.0.1",  # octal
    "0x7f.1",  # hexadecimal, short form
    "0x7f000001",
    "127.1",
    "012.1.2.3",  # 10.1.2.3 in octal
]


@pytest.mark.parametrize("host", REFUSED)
def test_local_private_and_reserved_addresses_are_refused(host, no_allow_list):
    with pytest.raises(netguard.AddressRefused) as refused:
        netguard.resolve(host, 993)
    assert "local, private or reserved" in str(refused.value)


@pytest.mark.parametrize(
    "host",
    [PUBLIC_V4, PUBLIC_V6, "::ffff:93.184.215.14", "64:ff9b::808:808", "2002:808:808::1"],
)
def test_public_addresses_are_allowed(host, no_allow_list):
    [endpoint] = netguard.resolve(host, 993)
    assert endpoint.sockaddr[1] == 993


def test_a_name_that_resolves_to_loopback_is_refused(monkeypatch, no_allow_list):
    fake_dns(
        monkeypatch,
        {
            "imap.loopback.example": ["127.0.0.1"],
            "imap.metadata.example": ["169.254.169.254"],
            "imap.mixed.example": [PUBLIC_V4, "10.0.0.5"],  # one bad address is enough
            "imap.mixed6.example": [PUBLIC_V6, "::1"],
            "imap.public.example": [PUBLIC_V4, PUBLIC_V6],
        },
    )
    for host in ("imap.loopback.example", "imap.metadata.example", "imap.mixed.example",
                 "imap.mixed6.example"):  # fmt: skip
        with pytest.raises(netguard.AddressRefused):
            netguard.resolve(host, 993)
    endpoints = netguard.resolve("imap.public.example", 993)
    assert [e.sockaddr[0] for e in endpoints] == [PUBLIC_V4, PUBLIC_V6]


def test_the_refusal_does_not_say_where_a_name_leads(monkeypatch, no_allow_list):
    fake_dns(monkeypatch, {"intranet.example": ["10.20.30.40"]})
    with pytest.raises(netguard.AddressRefused) as refused:
        netguard.resolve("intranet.example", 993)
    assert "10.20.30.40" not in str(refused.value)


def test_a_name_that_cannot_be_found_is_refused(monkeypatch):
    fake_dns(monkeypatch, {"nowhere.example": []})
    with pytest.raises(netguard.AddressRefused) as refused:
        netguard.resolve("nowhere.example", 993)
    assert "cannot be found" in str(refused.value)
    for hostile in ("", "   ", "a" * 300, "x\x00y", "ex..ample"):
        with pytest.raises(netguard.AddressRefused):
            netguard.resolve(hostile, 993)


@pytest.mark.parametrize("port", [0, -1, 65536, 70000, "abc", "", None, "1e3", 99.5j, True])
def test_ports_outside_1_to_65535_are_refused(port):
    with pytest.raises(netguard.AddressRefused):
        netguard.check_port(port)
    with pytest.raises(netguard.AddressRefused):
        netguard.resolve(PUBLIC_V4, port)


def test_ports_at_the_ends_of_the_range_are_accepted():
    assert netguard.check_port(1) == 1
    assert netguard.check_port("65535") == 65535


def test_the_allow_list_opens_only_what_it_names(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAIL_ALLOWED_PRIVATE_NETWORKS": ["127.0.0.1", "10.0.0.0/8", "fd00::/8"],
    }
    for host in ("127.0.0.1", "2130706433", "::ffff:127.0.0.1", "10.200.1.1", "fd00::25"):
        assert netguard.resolve(host, 143)
    for host in ("127.0.0.2", "::1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "fe80::1"):
        with pytest.raises(netguard.AddressRefused):
            netguard.resolve(host, 143)


def test_the_default_allows_no_private_network(no_allow_list):
    from wagtail_tickets.conf import app_settings

    assert app_settings.MAIL_ALLOWED_PRIVATE_NETWORKS == ()


@pytest.mark.parametrize("entry", ["not-an-address", "10.0.0.0/33", "localhost"])
def test_a_wrong_allow_list_entry_is_a_configuration_error(settings, entry):
    settings.WAGTAIL_TICKETS = {"MAIL_ALLOWED_PRIVATE_NETWORKS": [entry]}
    with pytest.raises(ImproperlyConfigured):
        netguard.resolve(PUBLIC_V4, 993)


def test_connect_uses_the_checked_addresses_only(monkeypatch):
    """The connection goes to the addresses looked up once, whatever the name answers
    later (DNS rebinding)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        fake_dns(monkeypatch, {"imap.rebind.example": ["127.0.0.1"]})
        endpoints = netguard.resolve("imap.rebind.example", port)
        asked = fake_dns(monkeypatch, {"imap.rebind.example": ["169.254.169.254"]})
        with netguard.connect(endpoints, timeout=5) as sock:
            assert sock.getpeername() == ("127.0.0.1", port)
        assert asked == []


def test_connect_tries_the_next_checked_address():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            dead = closed.getsockname()[1]
        endpoints = [
            netguard.Endpoint(socket.AF_INET, socket.SOCK_STREAM, 6, ("127.0.0.1", dead)),
            netguard.Endpoint(socket.AF_INET, socket.SOCK_STREAM, 6, ("127.0.0.1", port)),
        ]
        with netguard.connect(endpoints, timeout=5) as sock:
            assert sock.getpeername()[1] == port
        with pytest.raises(ConnectionRefusedError):
            netguard.connect(endpoints[:1], timeout=5)
