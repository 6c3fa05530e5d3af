"""The site owner's custom CSS can style the page but never close its style element or
inject markup, whatever it contains."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from wagtail_tickets.external.styles import css_for_style_element

pytestmark = pytest.mark.django_db

BREAKOUTS = [
    "</style><script>alert(1)</script>",
    "</STYLE ><img src=x onerror=alert(1)>",
    "</style\t><svg onload=alert(1)>",
    "body{}</style/><iframe src=javascript:alert(1)>",
    "<!--</style><script>alert(1)</script>-->",
    "]]></style><script>alert(1)</script>",
    "a{background:url('</style><script>alert(1)</script>')}",
]
# NUL cannot be stored on PostgreSQL (and forms refuse it): checked on the helper itself.
NUL_BREAKOUTS = [
    "\x00</style><script>alert(1)</script>",
    "@import url(x);</sty\x00le><script>alert(1)</script>",
]


class Inventory(HTMLParser):
    """Elements the browser's parser would create, and the text of style elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, _value in attrs:
            assert not name.startswith("on"), name

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def page_with(client, page, css):
    page.custom_css = css
    page.save()
    response = client.get("/tickets/external/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("css", BREAKOUTS)
def test_breakout_attempts_stay_inside_the_style_element(client, page, css):
    html = page_with(client, page, css)
    clean = page_with(client, page, "")
    parsed, baseline = Inventory(), Inventory()
    parsed.feed(html)
    baseline.feed(clean)
    assert parsed.tags.count("style") == 1
    assert parsed.tags.count("script") == baseline.tags.count("script")
    for tag in ("img", "svg", "iframe"):
        assert tag not in parsed.tags
    assert "<" not in "".join(parsed.styles)


@pytest.mark.parametrize("css", BREAKOUTS + NUL_BREAKOUTS)
def test_helper_output_cannot_leave_a_style_element(css):
    parsed = Inventory()
    parsed.feed(f"<style>{css_for_style_element(css)}</style><p>after</p>")
    assert parsed.tags == ["style", "p"]
    assert "<" not in "".join(parsed.styles) and "\x00" not in "".join(parsed.styles)


def test_ordinary_css_is_kept(client, page):
    css = ".wt-customer { --wt-accent: #c2185b; font-family: 'Georgia', serif; }\na > b { x: y }"
    html = page_with(client, page, css)
    assert "<style>" + css + "</style>" in html


def test_less_than_becomes_a_css_escape():
    assert css_for_style_element("a</style>") == "a\\3c /style>"
    assert css_for_style_element("") == ""
