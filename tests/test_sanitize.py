"""The HTML policy (sanitize.py) against historical XSS payloads, with both backends.

Each payload is a known trick from public XSS cheat sheets and past CVEs of sanitizers;
the assertions look at the output the way a browser would (case-insensitive, after
entity decoding), so a payload that survives in a disguised form fails the test.
"""

from __future__ import annotations

import html
import random
import re

import pytest

from wagtail_tickets import sanitize
from wagtail_tickets.conf import app_settings
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
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'
    ),
    "javascript hex entities no semicolons": (
        '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3Aalert(1)">x</a>'
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
    "svg mutation xss": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
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
    "comment trick": '<!--<img src="--><img src=x onerror=alert(1)//">',
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

    def recording(text):
        searched.append(text)
        return iter(())

    monkeypatch.setattr(sanitize, "_find_urls", recording)
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


# Hostile structure: cleaning is linear, nesting and element count are bounded ----------
#
# Each input below made the old sanitiser quadratic (a regular expression rescanning the
# rest of the input from every "<!--", "<script>" or word start) or made bleach's parser
# build a huge or deep tree. The tests are deterministic: they look at what reaches the
# parser and count work, never at the clock (timings are in bench/sanitize.py).

SIZE = 150_000


def _run(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _numbered(template: str, size: int = SIZE) -> str:
    return "".join(template.format(i) for i in range(size // len(template.format(0)) + 1))[:size]


FORMATTING = ["b", "i", "u", "s", "strong", "em", "code", "strike"]

# past a limit: what reaches the parser is the text alone
OVER_LIMIT = {
    "nested div": lambda: _run("<div>"),
    "nested blockquote": lambda: _run("<blockquote>"),
    "nested ul and li": lambda: _run("<ul><li>"),
    "nested li": lambda: _run("<li><div>"),
    "nested span": lambda: _run("<span>"),
    "nested tables around div": lambda: _run("<table><tr><td><div>"),
    "unclosed b": lambda: _run("<b>"),
    "unclosed b with distinct attributes": lambda: _numbered("<b x{}>"),
    "sibling paragraphs": lambda: _run("<p>x</p>"),
    "line breaks": lambda: _run("<br>"),
    "links": lambda: _run('<a href="https://example.com/">x</a>'),
    "formatting re-opened in every block": lambda: _numbered("<div><b x{}></div>"),
    "24 formatting elements re-opened": lambda: (
        "<div>" + "".join(f"<{t}>" for t in FORMATTING * 3) + "</div>" + _run("<div>t</div>")
    ),
    "misnested b and div": lambda: _run("<b><div></b>"),
    "a inside a": lambda: _run("<a href=x><div>"),
    "paragraphs inside b": lambda: _run("<b><p>x"),
    "siblings with children": lambda: "<div>" + _run("<p><span>x</span></p>"),
    "&amp; flood": lambda: "<p>" + _run("&amp;") + "</p>",
    "runs of &#": lambda: "<p>" + _run("&#") + "</p>",
    "runs of <": lambda: _run("<"),
    "runs of <a ": lambda: _run("<a "),
    'runs of <x" y': lambda: _run('<x" y '),
    "addresses": lambda: "<p>" + _run("see a.example.com ") + "</p>",
    'runs of <a href="': lambda: _run('<a href="'),
    "runs of <script ": lambda: _run("<script "),
    "runs of </ x": lambda: _run("</ x"),
    "a-a.a-a.… (no top-level domain)": lambda: "<p>" + _run("a-a.") + "</p>",
    "an address opening ((((…": lambda: "<p>" + _run("((((a.com/x))))") + "</p>",
}
# within the limits, however long: nothing to refuse, but linear all the same
WITHIN_LIMITS = {
    "runs of <!--": lambda: _run("<!--"),
    "runs of <!": lambda: _run("<!"),
    "an unterminated comment": lambda: "<p>x</p><!--" + _run("<p>y</p>"),
    "runs of <![CDATA[": lambda: _run("<![CDATA["),
    "runs of <?": lambda: _run("<?"),
    "an attribute quote never closed": lambda: '<p title="' + _run("<div>x"),
    "a single quote never closed": lambda: "<a href='" + _run("<p>x"),
    "runs of <script>": lambda: _run("<script>"),
    "one tag, thousands of attributes": lambda: "<p " + _run('a="b" ') + ">x</p>",
    "one link, thousands of attributes": lambda: "<a " + _run('href="b" ') + ">x</a>",
    "a reference with 150,000 digits": lambda: "<p>&#" + _run("1") + ";</p>",
    "a link with a 150,000-digit reference": lambda: '<a href="&#' + _run("1") + ';">x</a>',
    "a-a-a-… then a.b": lambda: "<p>" + _run("a-") + " a.b</p>",
    "((((… before an address": lambda: "<p>" + _run("(") + "a.com</p>",
    "http:http:http:… then a.b": lambda: "<p>" + _run("http:") + " a.b</p>",
    "http://a-a-a-… (no dot) then a.b": lambda: "<p>http://" + _run("a-") + " a.b</p>",
    "mailto:a@… runs": lambda: "<p>" + _run("mailto:a@") + " a.b</p>",
    "an address ending in ,,,,…": lambda: "<p>http://a.com/" + _run(",") + "</p>",
    "text": lambda: "<p>" + _run("lorem ipsum dolor ") + "</p>",
}
HOSTILE = {**OVER_LIMIT, **WITHIN_LIMITS}


@pytest.fixture
def parser_inputs(monkeypatch):
    """What reaches either backend's parser, recorded; the backends still run."""
    seen: list[str] = []
    cleaner, clean_nh3 = sanitize._cleaner(), sanitize._clean_nh3

    class Recording:
        def clean(self, value):
            seen.append(value)
            return cleaner.clean(value)

    monkeypatch.setattr(sanitize, "_cleaner", Recording)
    monkeypatch.setattr(
        sanitize, "_clean_nh3", lambda value: seen.append(value) or clean_nh3(value)
    )
    return seen


def test_the_hostile_inputs_are_long_and_the_lists_are_complete():
    for name, build in HOSTILE.items():
        assert len(build()) >= 100_000, name
    assert len(OVER_LIMIT) >= 20 and len(WITHIN_LIMITS) >= 15


@pytest.mark.parametrize("build", OVER_LIMIT.values(), ids=OVER_LIMIT.keys())
def test_html_past_a_limit_never_reaches_the_parser_and_keeps_its_text(
    backend, parser_inputs, build
):
    value = build()
    assert sanitize._prepare(value).over
    output = clean_html(value)
    assert_inert(output)
    assert set(re.findall(r"</?([a-z0-9]+)", output)) <= {"p", "br", "a"}
    for parsed in parser_inputs:  # only the escaped text, when it is short enough
        assert not sanitize._prepare(parsed).over
        assert "<div" not in parsed and "<b>" not in parsed
    if re.search(r">[^<>]*x", value):  # text between tags is kept
        assert "x" in html_to_text(output)


@pytest.mark.parametrize("build", OVER_LIMIT.values(), ids=OVER_LIMIT.keys())
def test_a_form_refuses_html_past_a_limit_before_reading_all_of_it(
    parser_inputs, monkeypatch, build
):
    """The check stops at the first limit passed: it reads a number of tokens bounded by
    the limits, whatever the length of the input, and the parser never runs. Input with no
    whole tag is plain text, never refused: escaped, it needs no parser."""
    value = build()
    if not sanitize._looks_like_html(value):
        output = clean_user_input(value, strict=True)
        assert parser_inputs == [] and "&lt;" in output
        return
    read = []
    tokens = sanitize._tokens

    def counting(*args):
        for token in tokens(*args):
            read.append(token[0])
            yield token

    monkeypatch.setattr(sanitize, "_tokens", counting)
    with pytest.raises(sanitize.HTMLTooComplex) as refused:
        clean_user_input(value, strict=True)
    assert refused.value.code in ("html_depth", "html_elements")
    assert str(refused.value.message)
    assert parser_inputs == []
    bound = 4 * (app_settings.MAX_HTML_ELEMENTS + app_settings.MAX_HTML_DEPTH) + 16
    assert len(read) <= bound


@pytest.mark.parametrize("build", WITHIN_LIMITS.values(), ids=WITHIN_LIMITS.keys())
def test_long_html_within_the_limits_reaches_the_parser_within_them(backend, parser_inputs, build):
    value = build()
    output = clean_user_input(value, strict=True)
    assert_inert(output)
    for parsed in parser_inputs:
        prepared = sanitize._prepare(parsed)
        assert not prepared.over
        assert prepared.elements <= app_settings.MAX_HTML_ELEMENTS


class _Meter:
    """Counts the work of sanitize.py's own code: every call into its compiled regular
    expressions, and the characters each successful match consumed. A design that reads
    the rest of the input again from many places (the old quadratic ones did) multiplies
    both; a linear one keeps them proportional to the input."""

    def __init__(self) -> None:
        self.work = 0

    def wrap(self, pattern: re.Pattern):
        meter = self

        class Metered:
            def __getattr__(self, name):
                return getattr(pattern, name)

            def _count(self, found, string, pos, rest):
                # a failing try may have read on to the end it was given
                end = found.end() if found is not None else (rest[0] if rest else len(string))
                meter.work += 1 + end - pos
                return found

            def match(self, string, pos=0, *rest):
                return self._count(pattern.match(string, pos, *rest), string, pos, rest)

            def fullmatch(self, string, pos=0, *rest):
                return self._count(pattern.fullmatch(string, pos, *rest), string, pos, rest)

            def search(self, string, pos=0, *rest):
                return self._count(pattern.search(string, pos, *rest), string, pos, rest)

            def finditer(self, string, *rest):
                for found in pattern.finditer(string, *rest):
                    meter.work += 1 + len(found.group(0))
                    yield found

            def findall(self, string, *rest):
                meter.work += 1 + len(string)
                return pattern.findall(string, *rest)

            def sub(self, replacement, string, *rest):
                meter.work += 1 + len(string)
                return pattern.sub(replacement, string, *rest)

            def split(self, string, *rest):
                meter.work += 1 + len(string)
                return pattern.split(string, *rest)

        return Metered()


def _measure(monkeypatch, value: str) -> int:
    meter = _Meter()
    with monkeypatch.context() as patch:
        for name, pattern in list(vars(sanitize).items()):
            if isinstance(pattern, re.Pattern):
                patch.setattr(sanitize, name, meter.wrap(pattern))
        closing = sanitize._closing_tag
        patch.setattr(sanitize, "_closing_tag", lambda name: meter.wrap(closing(name)))
        # every linear pass of sanitize.py, and the URL search on the text the parser
        # would hand the linkifier; the parser itself is bleach's (bounded by the limits)
        patch.setattr(sanitize, "_sanitised", lambda prepared: sanitize.CleanHTML(prepared))
        output = clean_html(value)
        for text in re.split(r"<[^>]*>", output):
            list(sanitize._LinkPattern().finditer(html.unescape(text)))
    return meter.work


# the work for each character of input, at any length (a quadratic design needs more
# per character the longer the input: thousands of times more at these lengths)
WORK_PER_CHARACTER = 40


@pytest.mark.parametrize("build", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_work_of_cleaning_grows_linearly_with_the_input(monkeypatch, build):
    value = build()
    for size in (len(value) // 4, len(value) // 2, len(value)):
        work = _measure(monkeypatch, value[:size])
        assert work <= WORK_PER_CHARACTER * size + 2_000, (size, work)


def test_the_meter_sees_a_quadratic_design():
    """The same count for the old sanitiser's comment search, which looked for the end of
    a comment from every comment start: far over the bound."""
    meter = _Meter()
    comment_end = meter.wrap(re.compile("<!--.*?-->", re.DOTALL))
    value = _run("<!--", 20_000)
    for start in range(0, len(value), 4):  # what ``search`` tried, one start at a time
        comment_end.match(value, start)
    assert meter.work > 20 * WORK_PER_CHARACTER * len(value)


# the shape's rules against html5lib's own parser: same depth, as many elements or more
STRUCTURES = {
    "well nested": "<div><p>a <b>b</b> <a href='/x'>c</a></p><ul><li>1<li>2</ul></div>",
    "misnested formatting": "<b><p>x</b>y" * 20,
    "misnested blocks": "<b><div></b>" * 20,
    "a inside a": "<a href=x><div>" * 20,
    "reconstruction": "<div>" + "<b x><i><u>" + "</div>" + "<div>t</div>" * 20,
    "noah's ark": "<div>" + "<b>" * 10 + "</div>" + "<p>t</p>" * 10,
    "headings": "<h1><h2>x<h3><p>y</h4></h1>" * 10,
    "list items": "<ul><li><span><li>x<ol><li>y</ul></li>" * 10,
    "paragraph ends": "</p></p><p>x</p>" * 10,
    "line break ends": "</br>x</br>" * 10,
    "other ends": "<span><div></span></div></span>" * 10,
    "pre": "<pre>\n<table>x</pre>" * 10,
}


@pytest.mark.parametrize("value", STRUCTURES.values(), ids=STRUCTURES.keys())
def test_the_shape_follows_the_tree_html5lib_builds(monkeypatch, value):
    from bleach._vendor.html5lib.treebuilders import base

    deepest, inserted = [0], [0]
    insert = base.TreeBuilder.insertElementNormal

    def counting(self, token):
        inserted[0] += 1
        element = insert(self, token)
        deepest[0] = max(deepest[0], len(self.openElements) - 1)
        return element

    monkeypatch.setattr(base.TreeBuilder, "insertElementNormal", counting)
    prepared = sanitize._prepare(value)
    sanitize._cleaner().clean(prepared.html)
    assert prepared.depth == deepest[0]
    assert prepared.elements >= inserted[0]


def test_the_shape_knows_every_allowed_tag():
    assert set(sanitize._TREE_RULES) == set(sanitize.ALLOWED_TAGS)


@pytest.mark.parametrize(
    "make, limit_name, code",
    [
        (lambda n: "<div>" * n + "x", "MAX_HTML_DEPTH", "html_depth"),
        (lambda n: "<ul><li>" * (n // 2) + "x", "MAX_HTML_DEPTH", "html_depth"),
        (lambda n: "<br>" * n, "MAX_HTML_ELEMENTS", "html_elements"),
        (lambda n: "<p>" + "&amp;" * (n - 1) + "</p>", "MAX_HTML_ELEMENTS", "html_elements"),
    ],
)
def test_the_limits_are_exact_and_configurable(settings, make, limit_name, code):
    for limit in (20, 60):
        settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, limit_name: limit}
        sanitize.check_html(make(limit))  # at the limit: accepted
        with pytest.raises(sanitize.HTMLTooComplex) as refused:
            sanitize.check_html(make(limit + 2))
        assert refused.value.code == code
        assert str(limit) in refused.value.message


def test_the_default_limits_leave_room_for_a_long_real_mail():
    from bench.sanitize import realistic_mail

    mail = realistic_mail()
    prepared = sanitize._prepare(mail)
    assert len(mail) > 95_000
    assert not prepared.over
    assert prepared.elements * 3 < app_settings.MAX_HTML_ELEMENTS * 2
    assert prepared.depth * 10 < app_settings.MAX_HTML_DEPTH


def test_a_long_quoted_thread_is_not_too_deep():
    """Thirty replies, each quoting the last as Gmail does (three levels each)."""
    body = "<p>Latest</p>"
    for level in range(30):
        body = (
            f'<div dir="ltr"><p>Reply {level}</p><div class="gmail_quote">'
            f'<blockquote class="gmail_quote">{body}</blockquote></div></div>'
        )
    assert not sanitize._prepare(body).over
    assert "Latest" in clean_html(body)


def test_plain_text_past_the_limits_stays_text_without_the_parser(backend, parser_inputs):
    text = _run("if a < b && c > d: see www.example.com\n")
    output = text_to_html(text)
    assert parser_inputs == []
    assert "&lt;" in output and "&amp;&amp;" in output and "<a " not in output
    assert clean_user_input(text, strict=True) == output  # plain text is never refused
    short = text_to_html("see www.example.com")
    assert '<a href="http://www.example.com"' in short or backend == "nh3"


def test_flattened_mail_keeps_words_paragraphs_and_no_style_or_script():
    body = (
        "<html><head><style>p{color:red}</style><title>T</title></head><body>"
        "<script>alert(1)</script><!-- note -->"
        + "<div><p>Hello <b>there</b></p><p>Second &amp; last</p></div>" * 2_000
        + "</body></html>"
    )
    output = clean_html(body)
    text = html_to_text(output)
    assert "Hello there" in text and "Second & last" in text
    assert "color:red" not in text and "alert" not in text and "note" not in text
    assert output.count("<p>") >= 2_000
    assert_inert(output)


@pytest.mark.parametrize(
    "value, shown",
    [
        ("<p>&#00000000000065;</p>", "<p>&#65;</p>"),
        ("<p>&#x0000000000041;</p>", "<p>&#65;</p>"),
        ("<p>&#99999999999999;</p>", "<p>&#xFFFD;</p>"),
        ("<p>&#0000000000;</p>", "<p>&#xFFFD;</p>"),
        ("<p>&#11111111111111</p>", "<p>&amp;#11111111111111</p>"),
    ],
)
def test_long_character_references_read_as_the_same_character(value, shown):
    assert sanitize._prepare(value).html == shown
    assert "&" in clean_html(value) or "A" in clean_html(value)


def test_a_link_with_thousands_of_digits_in_a_reference_is_no_error(backend):
    value = (
        '<a href="&amp;#'
        + "1" * 5_000
        + ';">x</a><a href="javascript&#'
        + "0" * 5_000
        + '58;x">y</a>'
    )
    output = clean_html(value)
    assert_inert(output)
    assert sanitize._allowed_url("&#" + "1" * 5_000 + ";") is False


@pytest.mark.parametrize(
    "value, expected",
    [
        (_run("<!--", 50_000), False),
        (_run("<!--", 50_000) + "-->", True),
        ("a <!-- b", False),
        ("<!---->", True),
        ("<!-->", False),
        ("x < y and y > z", False),
        (_run("<a ", 50_000), False),
        (_run("<a ", 50_000) + ">", True),
        ("</div>", True),
    ],
)
def test_whether_input_is_html(value, expected):
    assert sanitize._looks_like_html(value) is expected


def _split_as_before(value: str) -> tuple[str, str]:
    """The former split: for each blockquote, count them all again in the rest."""
    opening, closing = sanitize._BLOCKQUOTE_OPEN, sanitize._BLOCKQUOTE_CLOSE
    if not closing.search(value.rstrip()[-16:]):
        return value, ""
    for match in opening.finditer(value):
        tail = value[match.start() :]
        if len(opening.findall(tail)) == len(closing.findall(tail)):
            head = value[: match.start()]
            return (value, "") if is_blank(head) else (head, tail)
    return value, ""


@pytest.mark.parametrize(
    "value",
    [
        "<p>new</p>" + "<blockquote>" * 2_000 + "<p>oldest</p>" + "</blockquote>" * 2_000,
        "<p>new</p>" + "<blockquote><p>old</p></blockquote>" * 2_000,
        "<p>new</p>" + "<blockquote>a</blockquote><p>b</p>" * 500 + "<blockquote>c</blockquote>",
        "<blockquote><p>only a quote</p></blockquote>",
        "<blockquote>a</blockquote>" + "<blockquote>" * 3 + "b" + "</blockquote>" * 2,
        "<p>x</p>" + "<blockquote>" * 3 + "y" + "</blockquote>" * 4,
        "<p>no quote</p>",
    ],
)
def test_the_quoted_history_is_split_as_before_in_one_pass(value):
    assert sanitize.split_quoted_history(value) == _split_as_before(value)


# bleach's linkifier, searched in one pass -------------------------------------------------

URL_PIECES = [
    "a", "b", "x", "-", ".", "com", "co", "org", "de", "uk", "museum", "xn", "http", "https",
    "mailto", "ftp", ":", "/", "//", "@", "(", ")", " ", "\n", "1", "80", "?", "_", "user",
    "www", "\u212a", "e", ",", '"', "<", "K", "COM", "é", "\u0130", "\u0131n", "'", "#",
    "((", "))", ",,", "..", "a.b", "x-y.com", "http://",
]  # fmt: skip


def test_the_url_search_finds_what_bleachs_url_re_finds():
    from bleach.linkifier import URL_RE

    rnd = random.Random(20_000)
    for _ in range(20_000):
        text = "".join(rnd.choice(URL_PIECES) for _ in range(rnd.randint(1, 16)))
        expected = [(m.start(), m.end()) for m in URL_RE.finditer(text)]
        found = [(m.start(), m.end()) for m in sanitize._find_urls(text)]
        assert found == expected, text
        assert [m.group(0) for m in sanitize._find_urls(text)] == [
            m.group(0) for m in URL_RE.finditer(text)
        ]


def test_the_trimming_of_a_found_address_is_bleachs():
    from bleach.linkifier import LinkifyFilter

    rnd = random.Random(7)
    pieces = ["(", ")", ",", ".", "a", "/", "x.com", "((", "))"]
    for _ in range(20_000):
        fragment = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert sanitize._LinkifyFilter.strip_non_url_bits(
            None, fragment
        ) == LinkifyFilter.strip_non_url_bits(None, fragment), fragment


def test_random_markup_always_comes_out_inert(backend):
    rnd = random.Random(5)
    pieces = [
        "<", ">", "/", "!", "--", "?", "=", '"', "'", " ", "\n", "a", "p", "div", "&", "&amp;",
        "&#", ";", "<p>", "</p>", "<b>", "</b>", "<a href='javascript:alert(1)'>", "</a>",
        "<script>", "</script>", "<style>", "<!--", "-->", "<br>", "<svg>", "<img src=x ",
        "onerror=alert(1)>", "<![CDATA[", "<x>", "</x>", "<li>", "<ul>", "\x00", "\r",
        "e.com", "<table>", "<td>",
    ]  # fmt: skip
    for _ in range(3_000):
        value = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 30)))
        output = clean_html(value)
        assert_inert(output)
        assert clean_html(str(output)) == output


def test_the_benchmark_fails_the_run_when_a_hostile_input_is_over_budget():
    """bench/sanitize.py: an input over 3 times the realistic body is an error of the
    result, which fails ``bench/run`` and its smoke run."""
    from bench.sanitize import BUDGET, Comparison, Timing, _hostile, _plain_hostile, _result

    fine = _result(Comparison("bleach", 50.0, 50.0, [Timing("a", 60.0, 1.2)]))
    assert fine.ok and fine.errors == []
    over = _result(
        Comparison("nh3", 10.0, 50.0, [Timing("a", 60.0, 1.2), Timing("b", 200.0, BUDGET + 1)])
    )
    assert not over.ok and over.errors == ["b: 4.0x the realistic body"]
    assert "10.0 ms with nh3" in over.notes
    for name, build in {**_hostile(), **_plain_hostile()}.items():
        assert 90_000 <= len(build()) <= 160_000, name
