"""``sanitize.linkify_text``: addresses in mail text become links, safely and in time
proportional to the text, and ``substitute`` links an address built from template text and
a value as one."""

from __future__ import annotations

import time

import pytest

from wagtail_tickets.notifications.variables import substitute
from wagtail_tickets.sanitize import MAX_LINK_LENGTH, MAX_LINKS, linkify_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See https://example.com.", 'See <a href="https://example.com">https://example.com</a>.'),
        (
            "(http://example.com/a_(b))!",
            '(<a href="http://example.com/a_(b)">http://example.com/a_(b)</a>)!',
        ),
        (
            "https://example.com/?a=1&b=<2>",
            '<a href="https://example.com/?a=1&amp;b=">https://example.com/?a=1&amp;b=</a>&lt;2&gt;',
        ),
        ("HTTPS://EXAMPLE.COM/X", '<a href="HTTPS://EXAMPLE.COM/X">HTTPS://EXAMPLE.COM/X</a>'),
        ("no address here", "no address here"),
        ("<b>bold</b> & co", "&lt;b&gt;bold&lt;/b&gt; &amp; co"),
    ],
)
def test_addresses_become_links(text, expected):
    assert linkify_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "xhttps://example.com",
        "https://",
        "http:///path-only",
        "mailto:someone@example.com",
    ],
)
def test_other_schemes_and_non_addresses_are_not_links(text):
    assert "<a " not in linkify_text(text)


def test_an_address_cannot_break_out_of_its_attribute():
    html = linkify_text('https://example.com/"onmouseover="alert(1)')
    assert html.startswith('<a href="https://example.com/">')
    assert "onmouseover=&quot;" in html and 'onmouseover="' not in html
    tricky = linkify_text("javascript:https://example.com/")
    assert 'href="https://example.com/"' in tricky and 'href="javascript' not in tricky


def test_huge_input_is_bounded_and_fast():
    long_address = "https://example.com/" + "a" * (MAX_LINK_LENGTH + 10)
    assert "<a " not in linkify_text(long_address)
    many = " ".join(f"https://example.com/{i}" for i in range(MAX_LINKS + 50))
    assert linkify_text(many).count("<a ") == MAX_LINKS
    for hostile in (
        "http://" * 100_000,
        "https://x" + ")" * 200_000,
        "(" * 100_000 + "https://x.example" + ")" * 100_000,
        "https://example.com/" + "." * 300_000,
        "h" * 300_000,
    ):
        started = time.perf_counter()
        linkify_text(hostile)
        assert time.perf_counter() - started < 2, hostile[:20]


def test_substitute_links_addresses_across_template_text_and_values():
    html = substitute(
        "Open https://example.com/t/{ticket:number} or {LINK}\n{MESSAGE}",
        {"ticket:number": "42", "LINK": "https://example.com/x?a=1&b=2"},
        html_output=True,
        raw_html={"MESSAGE": '<p><a href="https://example.com/m">m</a></p>'},
    )
    assert '<a href="https://example.com/t/42">https://example.com/t/42</a>' in html
    assert '<a href="https://example.com/x?a=1&amp;b=2">' in html
    assert html.endswith('<br>\n<p><a href="https://example.com/m">m</a></p>')
    # the text part stays plain text
    assert substitute("See {LINK}", {"LINK": "https://example.com"}) == "See https://example.com"
