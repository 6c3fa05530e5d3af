"""Authentication-Results (RFC 8601) as the site's own receiving server writes them, and as
senders forge them: only the configured authserv-id counts, and only a clear pass."""

from __future__ import annotations

import pytest

from tests.mail import corpus
from wagtail_tickets.mail import authresults
from wagtail_tickets.mail.authresults import MAX_HEADER_LENGTH, from_domain_passes, parse
from wagtail_tickets.mail.parse import parse_message

OURS = "mx.tickets.example"

# What a typical receiving server writes (comments, several methods, folded lines).
REAL = (
    f"Authentication-Results: {OURS};\r\n"
    "\tdkim=pass (2048-bit key; unprotected) header.d=customer.example\r\n"
    "\theader.i=@customer.example header.a=rsa-sha256 header.s=sel1 header.b=AbCdEf12;\r\n"
    f"\tspf=pass ({OURS}: domain of carla@customer.example designates 192.0.2.1 as\r\n"
    "\tpermitted sender) smtp.mailfrom=carla@customer.example;\r\n"
    "\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=customer.example"
)


def headers(*extra: str, sender: str = "Carla <carla@customer.example>"):
    return parse_message(corpus.plain(sender=sender, extra_headers=extra)).headers


def passes(method: str, *extra: str, sender: str = "carla@customer.example", ids=(OURS,)):
    msg = headers(*extra, sender=sender)
    return from_domain_passes(msg, sender.lower(), method, ids)


# ----------------------------------------------------------------------------- the parser


def test_a_real_header_is_read_whole():
    value = REAL.split(":", 1)[1].replace("\r\n", "")
    found = parse(value)
    assert found.authserv_id == OURS
    assert [(r.method, r.result) for r in found.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    dkim, spf, dmarc = found.results
    assert dkim.properties["header.d"] == "customer.example"
    assert dkim.properties["header.i"] == "@customer.example"
    assert spf.properties == {"smtp.mailfrom": "carla@customer.example"}
    assert dmarc.properties == {"header.from": "customer.example"}


@pytest.mark.parametrize(
    "value, expected",
    [
        # version, upper case, a quoted value
        (
            'MX.Tickets.Example 1; DMARC=PASS Header.From="Customer.Example"',
            [("dmarc", "pass", {"header.from": "Customer.Example"})],
        ),
        # comments everywhere, nested, with an escaped parenthesis and a ';' inside
        (
            "mx.tickets.example (our (edge) server \\) ; dmarc=fail); (c) dkim (x) = (y) "
            "pass (z) header.d (w) = (v) customer.example (end)",
            [("dkim", "pass", {"header.d": "customer.example"})],
        ),
        # a method version, a reason, a value that holds "="
        (
            'mx.tickets.example; dkim/1=fail reason="bad signature; sorry" '
            "header.d=customer.example header.b=ab=",
            [("dkim", "fail", {"header.d": "customer.example", "header.b": "ab="})],
        ),
        # no result at all
        ("mx.tickets.example; none", []),
        ("mx.tickets.example", []),
        # a result that cannot be read is left out; the next one is still read
        (
            "mx.tickets.example; dkim pass header.d=evil.example; dmarc=pass "
            "header.from=customer.example",
            [("dmarc", "pass", {"header.from": "customer.example"})],
        ),
        # a property said twice, or not ptype.property: the result is left out
        (
            "mx.tickets.example; dmarc=pass header.from=evil.example "
            "header.from=customer.example; dkim=pass d=customer.example",
            [],
        ),
        # an unclosed quoted string or comment ends what can be read
        ('mx.tickets.example; dmarc=pass header.from="customer.example', []),
        ("mx.tickets.example; dmarc=pass (header.from=customer.example", [("dmarc", "pass", {})]),
    ],
)
def test_rfc8601_variants(value, expected):
    found = parse(value)
    assert found.authserv_id == "mx.tickets.example"
    assert [(r.method, r.result, r.properties) for r in found.results] == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "; dmarc=pass header.from=customer.example",
        "(only a comment)",
        "x" * (MAX_HEADER_LENGTH + 1),
    ],
)
def test_headers_without_an_authserv_id_or_too_long_are_nothing(value):
    assert parse(value) is None


@pytest.mark.parametrize(
    "hostile",
    [
        "mx.tickets.example;" + "(" * 8000,
        "mx.tickets.example;" + "\\(" * 4000,
        "mx.tickets.example;" + ' "' * 4000,
        "mx.tickets.example" + "; dmarc=pass header.from=a.example" * 200,
        "mx.tickets.example;" + "=" * 8000,
        "mx.tickets.example;" + "a.b=" * 2000,
    ],
)
def test_hostile_values_are_read_to_the_end_without_error(hostile):
    found = parse(hostile[:MAX_HEADER_LENGTH])
    assert found is None or found.authserv_id == "mx.tickets.example"


# ----------------------------------------------------------------------------- the verdict


def test_dmarc_pass_of_our_server_for_the_from_domain():
    assert passes("dmarc", REAL)
    assert passes("dkim", REAL)


@pytest.mark.parametrize("result", ["fail", "none", "temperror", "permerror", "policy", "neutral"])
def test_anything_but_pass_is_not_a_pass(result):
    header = f"Authentication-Results: {OURS}; dmarc={result} header.from=customer.example"
    assert not passes("dmarc", header)
    header = f"Authentication-Results: {OURS}; dkim={result} header.d=customer.example"
    assert not passes("dkim", header)


def test_a_header_forged_by_the_sender_with_another_authserv_id_is_ignored():
    forged = "Authentication-Results: mx.evil.example; dmarc=pass header.from=customer.example"
    assert not passes("dmarc", forged)
    forged_dkim = "Authentication-Results: evil; dkim=pass header.d=customer.example"
    assert not passes("dkim", forged_dkim)


def test_a_forged_pass_beside_our_own_fail_is_no_pass():
    """Our server failed to remove a header with its id: its own fail still counts."""
    ours = f"Authentication-Results: {OURS}; dmarc=fail header.from=customer.example"
    forged = f"Authentication-Results: {OURS}; dmarc=pass header.from=customer.example"
    assert not passes("dmarc", ours, forged)
    assert not passes("dmarc", forged, ours)


def test_several_headers_of_our_servers_that_all_pass():
    edge = f"Authentication-Results: {OURS}; dmarc=pass header.from=customer.example"
    inner = "Authentication-Results: mx2.tickets.example; dmarc=pass header.from=customer.example"
    other = "Authentication-Results: relay.customer.example; dmarc=fail"
    assert passes("dmarc", edge, inner, other, ids=(OURS, "mx2.tickets.example"))


def test_authserv_id_and_domains_compare_without_case():
    header = "Authentication-Results: MX.TICKETS.EXAMPLE; DMARC=Pass header.from=CUSTOMER.example"
    assert passes("dmarc", header, sender="Carla@Customer.Example")


@pytest.mark.parametrize(
    "header",
    [
        "dmarc=pass header.from=evil.example",  # another domain
        "dmarc=pass",  # which From did it judge?
        "dmarc=pass header.from=example",  # a parent domain is not the From domain
        "dmarc=pass smtp.mailfrom=customer.example",
        "spf=pass smtp.mailfrom=carla@customer.example",
    ],
)
def test_dmarc_must_name_the_from_domain(header):
    assert not passes("dmarc", f"Authentication-Results: {OURS}; {header}")


def test_dmarc_of_a_subdomain_sender():
    header = f"Authentication-Results: {OURS}; dmarc=pass header.from=customer.example"
    assert not passes("dmarc", header, sender="carla@mail.customer.example")


@pytest.mark.parametrize(
    "header, expected",
    [
        ("dkim=pass header.d=customer.example", True),
        ("dkim=pass header.d=Customer.Example. header.s=x", True),
        ("dkim=pass header.i=@customer.example", True),
        ("dkim=pass header.i=carla@customer.example", True),
        # a mailing service's own signature is not the From domain's
        ("dkim=pass header.d=esp.example header.i=@customer.example", False),
        ("dkim=pass header.d=example", False),
        ("dkim=pass header.i=@sub.customer.example", False),
        ("dkim=pass", False),
        ("dkim=fail header.d=customer.example; dkim=pass header.d=customer.example", True),
        ("dkim=fail header.d=customer.example; dkim=pass header.d=esp.example", False),
        ("dmarc=pass header.from=customer.example", False),  # dkim was asked for
    ],
)
def test_dkim_signed_by_the_from_domain(header, expected):
    assert passes("dkim", f"Authentication-Results: {OURS}; {header}") is expected


def test_an_internationalised_domain_matches_its_ascii_form():
    header = f"Authentication-Results: {OURS}; dmarc=pass header.from=xn--bcher-kva.example"
    assert passes("dmarc", header, sender="joerg@bücher.example")


def test_only_configured_ids_count_and_none_configured_is_no_pass():
    assert not passes("dmarc", REAL, ids=())
    assert not passes("dmarc", REAL, ids=("mx.other.example",))


def test_the_option_decides_what_is_asked(settings):
    msg = headers(REAL)
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS}
    assert authresults.sender_authenticated(msg, "carla@customer.example") is None
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "INBOUND_REQUIRE_AUTHENTICATION": "dmarc",
        "INBOUND_AUTHSERV_IDS": ["MX.tickets.example"],
    }
    assert authresults.sender_authenticated(msg, "carla@customer.example") is True
    assert authresults.sender_authenticated(msg, "eve@evil.example") is False


@pytest.mark.parametrize(
    "options",
    [
        {"INBOUND_REQUIRE_AUTHENTICATION": "spf", "INBOUND_AUTHSERV_IDS": [OURS]},
        {"INBOUND_REQUIRE_AUTHENTICATION": "dmarc"},
    ],
)
def test_a_wrong_configuration_is_refused(settings, options):
    from django.core.exceptions import ImproperlyConfigured

    from wagtail_tickets.conf import app_settings

    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, **options}
    with pytest.raises(ImproperlyConfigured):
        app_settings.INBOUND_REQUIRE_AUTHENTICATION  # noqa: B018
