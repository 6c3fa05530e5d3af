"""The HTML policy (sanitize.py) against historical XSS payloads, with both backends.

Each payload is a known trick from public XSS cheat sheets and past CVEs of sanitizers;
the assertions look at the output the way a browser would (case-insensitive, after
entity decoding), so a payload that survives in a disguised form fails the test.
"""

from __future__ import annotations

import html
import re

import pytest

from wagtail_tickets import sanitize
from wagtail_tickets.sanitize import (
    clean_filename,
    clean_html,
    clean_subject,
    clean_user_input,
    html_to_text,
    is_blank,
    text_to_html,
)

# nh3 is a dependency (and the default): its tests always run, never skipped
BACKENDS = ["bleach", "nh3"]


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "SANITIZER": request.param}
    return request.param


PAYLOADS = {
    "script tag": "<script>alert(1)</script>",
    "script mixed case": "<ScRiPt>alert(1)</sCrIpT>",
    "script split by null": "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "img onerror": '<img src=x onerror="alert(1)">',
    "body onload": "<body onload=alert(1)>",
    "event handler after slash": "<a/onmouseover=alert(1)>x</a>",
    "event handler on allowed tag": '<p onclick="alert(1)">click</p>',
    "javascript href": '<a href="javascript:alert(1)">x</a>',
    "javascript mixed case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "javascript entities": (
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;'
        'alert(1)">x</a>'
    ),
    "javascript hex entities no semicolons": (
        '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A'
        'alert(1)">x</a>'
    ),
    "javascript named entity colon": '<a href="javascript&colon;alert(1)">x</a>',
    "javascript with tab": '<a href="jav\tascript:alert(1)">x</a>',
    "javascript with newline entity": '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    "javascript with leading space and control": '<a href=" \x01javascript:alert(1)">x</a>',
    "javascript zero-width": '<a href="java\u200bscript:alert(1)">x</a>',
    "vbscript href": '<a href="vbscript:msgbox(1)">x</a>',
    "data uri html": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "data uri image": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "svg onload": "<svg onload=alert(1)><circle r=10></circle></svg>",
    "svg animate href": (
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
        "<text x=20 y=20>click</text></a></svg>"
    ),
    "svg mutation xss": "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    "math mutation xss": (
        "<math><mtext><table><mglyph><style><!--</style>"
        '<img title="--&gt;&lt;/mglyph&gt;&lt;img src=1 onerror=alert(1)&gt;"></math>'
    ),
    "math href": '<math href="javascript:alert(1)">CLICKME</math>',
    "noscript mutation": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "style tag": "<style>body{background:url(javascript:alert(1))}</style>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "style expression": '<div style="width: expression(alert(1))">x</div>',
    "iframe srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "iframe javascript src": '<iframe src="javascript:alert(1)"></iframe>',
    "form formaction": (
        '<form><button formaction="javascript:alert(1)">send</button></form>'
        '<input type="submit" formaction="javascript:alert(1)">'
    ),
    "form action": '<form action="javascript:alert(1)"><input type=submit></form>',
    "base href": '<base href="javascript:alert(1)//"><a href="/x">x</a>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "object data": '<object data="javascript:alert(1)"></object>',
    "embed src": '<embed src="data:text/html,<script>alert(1)</script>">',
    "template": "<template><script>alert(1)</script><img src=x onerror=alert(1)></template>",
    "comment trick": "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "conditional comment": "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "nested unclosed": "<<script>alert(1);//<</script>",
    "unclosed img": '<img src="x" onerror="alert(1)"',
    "double open": "<<img src=x onerror=alert(1)>>",
    "link stylesheet": '<link rel="stylesheet" href="javascript:alert(1)">',
    "details ontoggle": "<details open ontoggle=alert(1)>",
    "video source onerror": "<video><source onerror=alert(1)></video>",
    "textarea breakout": "<textarea></textarea><script>alert(1)</script>",
    "title breakout": "<title></title><img src=x onerror=alert(1)>",
    "xmp breakout": '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    "a with srcset-like data": '<a href="data:,alert(1)">x</a>',
}

FORBIDDEN_TAGS = (
    "script", "svg", "math", "style", "iframe", "form", "img", "object", "embed", "base",
    "meta", "link", "template", "noscript", "button", "input", "textarea", "video",
    "xmp", "body", "title",
)  # fmt: skip

_TAG_RE = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", re.S)
_ATTR_RE = re.compile(r"""([^\s=/"'>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")


def assert_inert(output: str) -> None:
    """What a browser would parse from ``output`` carries no active content."""
    lowered = output.lower()
    assert "<script" not in lowered
    for tag, attrs in _TAG_RE.findall(output):
        assert tag.lower() not in FORBIDDEN_TAGS, output
        for name, value in _ATTR_RE.findall(attrs):
            name = name.lower()
            assert not name.startswith("on"), output
            assert name not in ("style", "srcdoc", "formaction", "action", "src"), output
            if name == "href":
                decoded = html.unescape(value.strip("\"'"))
                squeezed = re.sub(r"[\s\x00-\x1f\u200b-\u200f\ufeff]", "", decoded).lower()
                assert squeezed.startswith(("http:", "https:", "mailto:", "/", "#")) or (
                    ":" not in squeezed.split("/")[0]
                ), output
                for scheme in ("javascript:", "data:", "vbscript:"):
                    assert scheme not in squeezed, output


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_xss_payload_is_inert(backend, payload):
    output = clean_html(payload)
    assert_inert(output)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_xss_payload_is_inert_through_form_input(backend, payload):
    """The customer form path (plain text or editor HTML) ends inert too."""
    assert_inert(clean_user_input(payload))


def test_payload_list_is_long_enough():
    assert len(PAYLOADS) >= 25


def test_cleaning_is_stable(backend):
    """Cleaning the cleaned output again changes nothing (no mutation on a second pass)."""
    for payload in PAYLOADS.values():
        once = clean_html(payload)
        assert clean_html(str(once)) == once


def test_cleaned_html_is_not_cleaned_twice(backend, monkeypatch):
    once = clean_html("<p onclick='x()'>Hi <b>there</b></p>")
    assert isinstance(once, sanitize.CleanHTML)

    def refuse(*args, **kwargs):
        raise AssertionError("sanitised again")

    monkeypatch.setattr(sanitize, "_cleaner", refuse)
    monkeypatch.setattr(sanitize, "_clean_nh3", refuse)
    assert clean_html(once) is once
    # anything made from it is plain text again, and is cleaned like any input
    with pytest.raises(AssertionError, match="sanitised again"):
        clean_html(once + "<script>alert(1)</script>")
    with pytest.raises(AssertionError, match="sanitised again"):
        clean_html(once[:-4])


def test_assert_inert_catches_active_content():
    """The checker itself fails on live payloads, so the tests above can fail."""
    for live in (
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        '<p onclick="x">y</p>',
        "<svg></svg>",
        "<ScRipt>1</script>",
        '<p style="color:red">x</p>',
    ):
        with pytest.raises(AssertionError):
            assert_inert(live)


def test_allowed_formatting_survives(backend):
    source = (
        "<h2>Title</h2><p><strong>bold</strong> <em>italic</em> <u>under</u> <s>gone</s></p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        "<blockquote>quoted</blockquote><pre><code>x = 1</code></pre><p>a<br>b</p>"
    )
    output = clean_html(source)
    for fragment in (
        "<h2>Title</h2>",
        "<strong>bold</strong>",
        "<em>italic</em>",
        "<u>under</u>",
        "<s>gone</s>",
        "<ul><li>one</li><li>two</li></ul>",
        "<ol><li>first</li></ol>",
        "<blockquote>quoted</blockquote>",
        "<code>x = 1</code>",
        "<br>",
    ):
        assert fragment in output


@pytest.mark.parametrize(
    "href", ["https://example.com/a?b=1", "http://example.com/", "mailto:help@example.com"]
)
def test_links_keep_href_and_get_rel(backend, href):
    output = clean_html(f'<a href="{href}" title="t" target="_blank">link</a>')
    assert f'href="{html.escape(href)}"' in output
    assert 'rel="nofollow noopener noreferrer"' in output
    assert "target" not in output
    assert ">link</a>" in output


@pytest.mark.parametrize(
    "text",
    [
        "see example.com today",
        "x.org/path?a=1, and (www.foo.de).",
        "a-.com",
        "_.net",
        "ab.cOM",
        "x.\u212ae",  # the Kelvin sign is "k" when case is ignored: x.ke is linked
        "x.\u0130o",
        "foo.\u0131n",
        "xn--bcher-kva.ch",
        "1.5 kg, e.g. this. End.",
        "Sentences end. Nothing to link here.",
    ],
)
def test_text_that_can_hold_no_url_skips_the_linkifier_and_links_stay_the_same(text):
    """The linkifier's URL search runs only on text where a URL can be; what it finds is
    what bleach's own linkifier finds."""
    from functools import partial

    import bleach
    from bleach.linkifier import LinkifyFilter

    reference = bleach.Cleaner(
        tags=sanitize.ALLOWED_TAGS,
        attributes=sanitize.ALLOWED_ATTRIBUTES,
        protocols=sanitize.ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[sanitize._set_rel], skip_tags={"pre", "code"})],
    )
    source = f"<p>{html.escape(text)}</p><pre>{html.escape(text)}</pre>"
    assert sanitize._cleaner().clean(source) == reference.clean(source)


def test_the_url_search_is_skipped_for_text_without_a_dotted_word(monkeypatch):
    searched = []
    pattern = sanitize._cleaner().filters[0].keywords["url_re"]

    class Recording:
        def finditer(self, text):
            searched.append(text)
            return iter(())

    monkeypatch.setattr(pattern, "pattern", Recording())
    sanitize._cleaner().clean("<p>Sentences end. Nothing here.</p><p>see example.com</p>")
    assert searched == ["see example.com"]


def test_dropped_elements_lose_their_content(backend):
    output = clean_html("<p>keep</p><script>secret()</script><style>.x{}</style>")
    assert "keep" in output
    assert "secret" not in output
    assert ".x{}" not in output


def test_unknown_tags_are_unwrapped_keeping_text(backend):
    assert "hello" in clean_html("<marquee>hello</marquee>")
    assert "<marquee" not in clean_html("<marquee>hello</marquee>")


def test_empty_and_none_inputs():
    assert clean_html("") == ""
    assert clean_html(None) == ""
    assert is_blank(clean_html("<p> </p><br>"))
    assert is_blank(clean_html("<script>x</script>"))
    assert not is_blank(clean_html("<p>x</p>"))


def test_html_to_text_keeps_structure():
    text = html_to_text("<p>Hello <b>there</b></p><ul><li>one</li><li>two</li></ul><p>a<br>b</p>")
    assert text == "Hello there\n\n- one\n- two\n\na\nb"


def test_html_to_text_unescapes_entities_once():
    assert html_to_text("<p>Tom &amp; Jerry &lt;b&gt;</p>") == "Tom & Jerry <b>"


def test_html_to_text_reads_tags_as_a_browser_does():
    """A ``>`` inside an attribute ends no tag, comments are no text, and script or style
    content (raw mail HTML is checked for blankness too) is not text either."""
    assert html_to_text('<a title="a > b" href="/x">x</a>') == "x"
    assert html_to_text("<!-- hidden -->shown") == "shown"
    assert html_to_text("<style>p{margin:0}</style><script>alert(1)</script>text") == "text"
    assert is_blank("<style>p{margin:0}</style><p> </p>")


def test_html_to_text_is_the_same_for_both_backends(backend):
    source = '<h2>Title</h2><p>Tom &amp; Jerry<br>next</p><ul><li>one</li></ul><a href="/x">l</a>'
    assert html_to_text(clean_html(source)) == "Title\n\nTom & Jerry\nnext\n\n- one\n\nl"


def test_bleach_is_the_default_backend(settings, monkeypatch):
    """nh3 is faster, but drops the text of elements named like SVG or MathML ones (and
    everything after an unclosed one), so harmless text around hostile markup would go."""
    settings.WAGTAIL_TICKETS = {
        k: v for k, v in settings.WAGTAIL_TICKETS.items() if k != "SANITIZER"
    }
    monkeypatch.setattr(sanitize, "_clean_nh3", lambda value: "nh3")
    assert clean_html("<p>x<mrow>kept</mrow></p>") == "<p>xkept</p>"


def test_text_to_html_escapes_and_keeps_lines():
    output = text_to_html("Hi <script>alert(1)</script>\nsecond line\n\nnew paragraph")
    assert "<script" not in output
    assert "&lt;script&gt;" in output
    assert output.count("<p>") == 2
    assert "<br>" in output


def test_text_to_html_handles_crlf_and_blank():
    assert text_to_html("a\r\nb") == "<p>a<br>b</p>"
    assert text_to_html("   \n\n  ") == ""


def test_clean_user_input_plain_text_and_html():
    assert clean_user_input("5 > 3 & 2 < 4") == "<p>5 &gt; 3 &amp; 2 &lt; 4</p>"
    assert clean_user_input("<p><b>bold</b></p>") == "<p><b>bold</b></p>"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Hello\r\nBcc: victim@example.com", "Hello Bcc: victim@example.com"),
        ("line\nbreak", "line break"),
        ("tab\there", "tab here"),
        ("nul\x00byte", "nul byte"),
        ("  many   spaces  ", "many spaces"),
        ("zero\u200bwidth", "zero width"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_subject(raw, expected):
    assert clean_subject(raw) == expected


def test_clean_subject_bounds_length():
    assert len(clean_subject("x" * 1000, 200)) == 200
    assert "\r" not in clean_subject("a\rb") and "\n" not in clean_subject("a\nb")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("C:\\Users\\x\\invoice.pdf", "invoice.pdf"),
        ("..", "file"),
        ("...", "file"),
        ("", "file"),
        (None, "file"),
        ("   ", "file"),
        (".htaccess", "htaccess"),
        ("evil\x00.pdf", "evil.pdf"),
        ("line\r\nbreak.txt", "linebreak.txt"),
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("rtl\u202egnp.exe", "rtlgnp.exe"),
        ('quote"<script>.html', "quote__script_.html"),
        ("résumé.pdf", "résumé.pdf"),
        ("my report (v2).pdf", "my report (v2).pdf"),
    ],
)
def test_clean_filename(raw, expected):
    assert clean_filename(raw) == expected


def test_clean_filename_long_names_keep_extension():
    name = clean_filename("a" * 500 + ".pdf")
    assert len(name) == 120
    assert name.endswith(".pdf")
    no_ext = clean_filename("b" * 500)
    assert len(no_ext) == 120


def test_clean_filename_never_contains_separators_or_controls():
    hostile = "..\\/..//\x01\x1f\x7f\u200d\ufeffname\t.txt"
    name = clean_filename(hostile)
    assert "/" not in name and "\\" not in name
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    assert "\u200d" not in name and "\ufeff" not in name
    assert not name.startswith(".")
